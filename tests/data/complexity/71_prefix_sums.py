# time: O(n)
# space: O(n)
# patterns: 

def prefix_sums(nums):
    prefix = [0] * (len(nums) + 1)
    for i in range(len(nums)):
        prefix[i + 1] = prefix[i] + nums[i]
    return prefix
