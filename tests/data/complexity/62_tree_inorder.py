# time: O(n)
# space: O(n)
# patterns: recursion, depth-first search

def inorder(node, out):
    if node is None:
        return out
    inorder(node.left, out)
    out.append(node.val)
    inorder(node.right, out)
    return out
