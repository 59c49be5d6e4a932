# time: O(n)
# space: O(n)
# patterns: recursion

def reverse(node):
    if node is None or node.next is None:
        return node
    new_head = reverse(node.next)
    node.next.next = node
    node.next = None
    return new_head
