# time: O(n)
# space: O(n)
# patterns: hash map

def has_duplicate(nums):
    seen = set()
    for x in nums:
        if x in seen:
            return True
        seen.add(x)
    return False
