# time: O(n^2)
# space: O(1)
# patterns: nested loops

def has_duplicate(nums):
    n = len(nums)
    for i in range(n):
        for j in range(i + 1, n):
            if nums[i] == nums[j]:
                return True
    return False
