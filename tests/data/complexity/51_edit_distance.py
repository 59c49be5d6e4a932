# time: O(n * m)
# space: O(n * m)
# patterns: dynamic programming, nested loops

def edit_distance(s, t):
    rows, cols = len(s) + 1, len(t) + 1
    dp = [[0] * cols for _ in range(rows)]
    for i in range(rows):
        dp[i][0] = i
    for j in range(cols):
        dp[0][j] = j
    for i in range(1, rows):
        for j in range(1, cols):
            cost = 0 if s[i - 1] == t[j - 1] else 1
            dp[i][j] = min(dp[i - 1][j] + 1, dp[i][j - 1] + 1, dp[i - 1][j - 1] + cost)
    return dp[rows - 1][cols - 1]
