# time: O(n^3)
# space: O(n^2)
# patterns: dynamic programming, nested loops

def floyd(weights):
    n = len(weights)
    dist = [row[:] for row in weights]
    for k in range(n):
        for i in range(n):
            for j in range(n):
                if dist[i][k] + dist[k][j] < dist[i][j]:
                    dist[i][j] = dist[i][k] + dist[k][j]
    return dist
