# time: O(log n)
# space: O(1)
# patterns: 

def powers_below(n):
    p = 1
    count = 0
    while p < n:
        p *= 2
        count += 1
    return count
