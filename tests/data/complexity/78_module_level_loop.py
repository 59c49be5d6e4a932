# time: O(n^2)
# space: O(1)
# patterns: nested loops

total = 0
for i in range(n):
    for j in range(n):
        total += i * j
print(total)
