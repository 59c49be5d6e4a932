# time: O(n log n)
# space: O(log n)
# patterns: recursion, divide and conquer

def max_sub(nums, lo, hi):
    if lo == hi:
        return nums[lo]
    mid = (lo + hi) // 2
    best_left = max_sub(nums, lo, mid)
    best_right = max_sub(nums, mid + 1, hi)
    s, left_part = 0, float("-inf")
    for i in range(mid, lo - 1, -1):
        s += nums[i]
        left_part = max(left_part, s)
    s, right_part = 0, float("-inf")
    for i in range(mid + 1, hi + 1):
        s += nums[i]
        right_part = max(right_part, s)
    return max(best_left, best_right, left_part + right_part)
