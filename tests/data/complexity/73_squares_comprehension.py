# time: O(n)
# space: O(n)
# patterns: 

def squares(nums):
    return [x * x for x in nums]
