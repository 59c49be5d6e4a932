# time: O(log n)
# space: O(1)
# patterns: 

def halvings(n):
    count = 0
    while n > 1:
        n //= 2
        count += 1
    return count
