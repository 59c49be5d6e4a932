# time: O(n)
# space: O(n)
# patterns: recursion

def total(nums, i):
    if i == len(nums):
        return 0
    return nums[i] + total(nums, i + 1)
