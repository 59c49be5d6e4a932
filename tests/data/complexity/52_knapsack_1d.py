# time: O(n * m)
# space: O(m)
# patterns: dynamic programming, nested loops

def knapsack(weights, capacity, values):
    best = [0] * (capacity + 1)
    for i in range(len(weights)):
        for c in range(capacity, weights[i] - 1, -1):
            best[c] = max(best[c], best[c - weights[i]] + values[i])
    return best[capacity]
