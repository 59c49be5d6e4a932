# time: O(log n)
# space: O(log n)
# patterns: recursion

def power(x, n):
    if n == 0:
        return 1
    half = power(x, n // 2)
    if n % 2 == 0:
        return half * half
    return half * half * x
