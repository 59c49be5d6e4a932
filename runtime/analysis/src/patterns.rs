//! The algorithmic patterns the analyzers name, with their stable lowercase names.
//!
//! Why an enum: patterns are stored in the search backends and matched by the search intent
//! parser, so both sides must agree on one spelling.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A recognisable technique in a snippet (`recursion`, `binary search`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    /// A function that calls itself.
    Recursion,
    /// Results cached by argument (`lru_cache`, `cache`, a dict).
    Memoization,
    /// A table of subproblem results filled from smaller entries.
    DynamicProgramming,
    /// Halving a sorted search range each step.
    BinarySearch,
    /// Two indices moving towards each other or in step.
    TwoPointers,
    /// A window over a sequence whose edges only move forward.
    SlidingWindow,
    /// Splitting the input, solving the parts, combining the answers.
    DivideAndConquer,
    /// Exploring choices recursively and undoing them.
    Backtracking,
    /// Level-by-level graph or grid traversal with a queue.
    BreadthFirstSearch,
    /// Depth-first graph, grid or tree traversal.
    DepthFirstSearch,
    /// A priority queue (`heapq`).
    Heap,
    /// Sorting as a step of the algorithm.
    Sorting,
    /// Constant-time lookups in a set or dict.
    HashMap,
    /// Loops nested inside loops over the input.
    NestedLoops,
    /// A stack kept monotonic by popping smaller or larger items.
    MonotonicStack,
}

impl Pattern {
    /// Every pattern, in a stable order.
    pub const ALL: [Pattern; 15] = [
        Pattern::Recursion,
        Pattern::Memoization,
        Pattern::DynamicProgramming,
        Pattern::BinarySearch,
        Pattern::TwoPointers,
        Pattern::SlidingWindow,
        Pattern::DivideAndConquer,
        Pattern::Backtracking,
        Pattern::BreadthFirstSearch,
        Pattern::DepthFirstSearch,
        Pattern::Heap,
        Pattern::Sorting,
        Pattern::HashMap,
        Pattern::NestedLoops,
        Pattern::MonotonicStack,
    ];

    /// The lowercase display name (`two pointers`).
    pub fn name(self) -> &'static str {
        match self {
            Pattern::Recursion => "recursion",
            Pattern::Memoization => "memoization",
            Pattern::DynamicProgramming => "dynamic programming",
            Pattern::BinarySearch => "binary search",
            Pattern::TwoPointers => "two pointers",
            Pattern::SlidingWindow => "sliding window",
            Pattern::DivideAndConquer => "divide and conquer",
            Pattern::Backtracking => "backtracking",
            Pattern::BreadthFirstSearch => "breadth-first search",
            Pattern::DepthFirstSearch => "depth-first search",
            Pattern::Heap => "heap",
            Pattern::Sorting => "sorting",
            Pattern::HashMap => "hash map",
            Pattern::NestedLoops => "nested loops",
            Pattern::MonotonicStack => "monotonic stack",
        }
    }

    /// Parses a display name or a common synonym (`bfs`, `dp`, `memoized`, `recursive`).
    pub fn parse(text: &str) -> Option<Pattern> {
        let t = text.trim().to_ascii_lowercase().replace(['-', '_'], " ");
        let p = match t.as_str() {
            "recursion" | "recursive" => Pattern::Recursion,
            "memoization" | "memoized" | "memoised" | "memoisation" | "memo" | "cache"
            | "cached" => Pattern::Memoization,
            "dynamic programming" | "dp" => Pattern::DynamicProgramming,
            "binary search" => Pattern::BinarySearch,
            "two pointers" | "two pointer" => Pattern::TwoPointers,
            "sliding window" => Pattern::SlidingWindow,
            "divide and conquer" => Pattern::DivideAndConquer,
            "backtracking" | "backtrack" => Pattern::Backtracking,
            "breadth first search" | "bfs" => Pattern::BreadthFirstSearch,
            "depth first search" | "dfs" => Pattern::DepthFirstSearch,
            "heap" | "priority queue" | "heapq" => Pattern::Heap,
            "sorting" | "sort" | "sorted" => Pattern::Sorting,
            "hash map" | "hashmap" | "hash table" | "hashing" | "dictionary" => Pattern::HashMap,
            "nested loops" | "nested loop" => Pattern::NestedLoops,
            "monotonic stack" => Pattern::MonotonicStack,
            _ => return None,
        };
        Some(p)
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Pattern::ALL {
            assert_eq!(Pattern::parse(p.name()), Some(p));
        }
        assert_eq!(Pattern::parse("BFS"), Some(Pattern::BreadthFirstSearch));
        assert_eq!(Pattern::parse("memoized"), Some(Pattern::Memoization));
        assert_eq!(Pattern::parse("nonsense"), None);
    }
}
