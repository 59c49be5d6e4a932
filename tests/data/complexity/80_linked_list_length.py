# time: O(n)
# space: O(1)
# patterns: 

def length(head):
    count = 0
    node = head
    while node is not None:
        count += 1
        node = node.next
    return count
