# time: O(n * m)
# space: O(n * m)
# patterns: dynamic programming, nested loops

def unique_paths(m, n):
    grid = [[1] * n for _ in range(m)]
    for i in range(1, m):
        for j in range(1, n):
            grid[i][j] = grid[i - 1][j] + grid[i][j - 1]
    return grid[m - 1][n - 1]
