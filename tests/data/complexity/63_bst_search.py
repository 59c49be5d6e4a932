# time: O(h)
# space: O(1)
# patterns: binary search

def bst_find(root, key):
    node = root
    while node is not None and node.val != key:
        if key < node.val:
            node = node.left
        else:
            node = node.right
    return node
