# time: O(n^3)
# space: O(1)
# patterns: nested loops

def count_triples(nums, target):
    n = len(nums)
    count = 0
    for i in range(n):
        for j in range(i + 1, n):
            for k in range(j + 1, n):
                if nums[i] + nums[j] + nums[k] == target:
                    count += 1
    return count
