# time: O(n)
# space: O(n)
# patterns: 

def reverse_string(s):
    out = []
    for i in range(len(s) - 1, -1, -1):
        out.append(s[i])
    return "".join(out)
