# time: O(n)
# space: O(1)
# patterns: 

def total(nums):
    s = 0
    for x in nums:
        s += x
    return s
