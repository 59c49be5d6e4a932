# time: O(n)
# space: O(n)
# patterns: recursion, memoization, dynamic programming

from functools import cache

@cache
def ways(n):
    if n <= 1:
        return 1
    return ways(n - 1) + ways(n - 2)
