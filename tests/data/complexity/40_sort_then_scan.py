# time: O(n log n)
# space: O(n)
# patterns: sorting

def min_gap(nums):
    ordered = sorted(nums)
    best = float("inf")
    for i in range(1, len(ordered)):
        best = min(best, ordered[i] - ordered[i - 1])
    return best
