# time: O(V + E)
# space: O(V + E)
# patterns: depth-first search

def dfs(graph, start):
    seen = set()
    stack = [start]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for nxt in graph[node]:
            stack.append(nxt)
    return seen
