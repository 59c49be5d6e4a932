# time: O(n^2)
# space: O(n^2)
# patterns: nested loops

def all_pairs(items):
    pairs = []
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            pairs.append((items[i], items[j]))
    return pairs
