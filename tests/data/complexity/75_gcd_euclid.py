# time: O(log n)
# space: O(1)
# patterns: 

def gcd(a, b):
    while b:
        a, b = b, a % b
    return a
