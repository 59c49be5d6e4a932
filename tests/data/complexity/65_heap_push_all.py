# time: O(n log n)
# space: O(n)
# patterns: heap

import heapq

def heap_sort(nums):
    heap = []
    for x in nums:
        heapq.heappush(heap, x)
    return [heapq.heappop(heap) for _ in range(len(heap))]
