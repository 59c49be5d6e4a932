# time: O(n log n)
# space: O(n)
# patterns: sorting

def count_unique(nums):
    nums.sort()
    count = 0
    for i in range(len(nums)):
        if i == 0 or nums[i] != nums[i - 1]:
            count += 1
    return count
