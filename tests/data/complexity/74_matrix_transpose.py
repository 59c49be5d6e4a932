# time: O(n * m)
# space: O(n * m)
# patterns: nested loops

def transpose(matrix):
    rows, cols = len(matrix), len(matrix[0])
    return [[matrix[r][c] for r in range(rows)] for c in range(cols)]
