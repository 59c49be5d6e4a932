# time: O(n + k log n)
# space: O(n)
# patterns: heap

import heapq

def k_smallest(nums, k):
    heap = list(nums)
    heapq.heapify(heap)
    out = []
    for _ in range(k):
        out.append(heapq.heappop(heap))
    return out
