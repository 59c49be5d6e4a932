# time: O(V + E)
# space: O(V)
# patterns: depth-first search, recursion

def dfs(graph, node, visited):
    visited.add(node)
    for nxt in graph[node]:
        if nxt not in visited:
            dfs(graph, nxt, visited)
    return visited
