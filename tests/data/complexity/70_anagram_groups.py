# time: O(n * m log m)
# space: O(n * m)
# patterns: hash map, sorting

def group_anagrams(words):
    groups = {}
    for w in words:
        key = "".join(sorted(w))
        groups.setdefault(key, []).append(w)
    return list(groups.values())
