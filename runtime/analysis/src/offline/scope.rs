//! What the analyzer knows about variables: their kind (hash-based, sequence, scalar) and their
//! size as a [`Cost`] in the function's size symbols, plus the symbol allocator.

use crate::notation::Cost;

/// The kind of value a variable holds, as far as costs are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `set`, `dict`, `Counter`, `defaultdict`: O(1) membership.
    Hash,
    /// `list`, `tuple`, `str`, `deque`, or an unknown collection: O(n) membership.
    Seq,
    /// A `heapq` list.
    Heap,
    /// A number, index or anything else whose size is its magnitude.
    Scalar,
}

/// A variable's kind, its size (length for collections, magnitude for scalars) and the loop
/// depth where it was bound, so that appends are multiplied by the loops inside that point.
#[derive(Clone, Debug)]
pub(crate) struct Var {
    pub(crate) kind: Kind,
    pub(crate) size: Cost,
    pub(crate) loop_depth: usize,
    /// Size of an element, for collections of collections (`grid[0]`, `words[i]`).
    pub(crate) elem: Option<Cost>,
    /// The collection this variable is an element of, when bound by a loop over it; its size
    /// is only looked up when the element is itself used as a collection.
    pub(crate) elem_of: Option<String>,
}

impl Var {
    pub(crate) fn scalar(size: Cost, loop_depth: usize) -> Self {
        Var {
            kind: Kind::Scalar,
            size,
            loop_depth,
            elem: None,
            elem_of: None,
        }
    }

    pub(crate) fn collection(kind: Kind, size: Cost, loop_depth: usize) -> Self {
        Var {
            kind,
            size,
            loop_depth,
            elem: None,
            elem_of: None,
        }
    }
}

/// Hands out size symbols within one function: a parameter called `n`, `m`, `k`, `V` or `E`
/// keeps its name, others take the next free of `n, m, k, p, q, r`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Symbols {
    used: Vec<String>,
}

impl Symbols {
    pub(crate) fn fresh(&mut self, hint: &str) -> String {
        let own = ["n", "m", "k", "V", "E"];
        let lower = if hint == "V" || hint == "E" {
            hint.to_string()
        } else {
            hint.to_ascii_lowercase()
        };
        if own.contains(&lower.as_str()) {
            if !self.used.contains(&lower) {
                self.used.push(lower.clone());
            }
            return lower;
        }
        for s in ["n", "m", "k", "p", "q", "r", "s", "t"] {
            if !self.used.iter().any(|u| u == s) {
                self.used.push(s.to_string());
                return s.to_string();
            }
        }
        "n".to_string()
    }

    /// Claims a parameter's own name (`n`) before other parameters take symbols.
    pub(crate) fn reserve(&mut self, name: &str) {
        if !self.used.iter().any(|u| u == name) {
            self.used.push(name.to_string());
        }
    }

    /// The first symbol handed out, the input size most loops are measured in.
    pub(crate) fn primary(&self) -> Option<&str> {
        self.used.first().map(String::as_str)
    }
}
