# time: O(1)
# space: O(1)
# patterns: 

def first_and_last(arr):
    if not arr:
        return None
    return arr[0], arr[-1]
