# time: O(n)
# space: O(1)
# patterns: 

def find_max(arr):
    best = arr[0]
    for i in range(1, len(arr)):
        if arr[i] > best:
            best = arr[i]
    return best
