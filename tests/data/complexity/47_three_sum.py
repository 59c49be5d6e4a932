# time: O(n^2)
# space: O(n^2)
# patterns: two pointers, sorting

def three_sum(nums):
    nums.sort()
    found = []
    n = len(nums)
    for i in range(n):
        lo, hi = i + 1, n - 1
        while lo < hi:
            s = nums[i] + nums[lo] + nums[hi]
            if s == 0:
                found.append((nums[i], nums[lo], nums[hi]))
                lo += 1
                hi -= 1
            elif s < 0:
                lo += 1
            else:
                hi -= 1
    return found
