# time: O(3^n)
# space: O(n)
# patterns: recursion

def trib(n):
    if n < 3:
        return 1
    return trib(n - 1) + trib(n - 2) + trib(n - 3)
