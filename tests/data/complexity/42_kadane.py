# time: O(n)
# space: O(n)
# patterns: dynamic programming

def max_subarray(nums):
    best = cur = nums[0]
    for x in nums[1:]:
        cur = max(x, cur + x)
        best = max(best, cur)
    return best
