# time: O(1)
# space: O(1)
# patterns: 

def swap(a, b):
    a, b = b, a
    return a, b
