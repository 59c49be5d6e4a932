# time: O(n * m)
# space: O(1)
# patterns: nested loops

def common_count(a, b):
    count = 0
    for x in a:
        if x in b:
            count += 1
    return count
