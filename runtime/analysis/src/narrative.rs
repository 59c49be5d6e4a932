//! The markdown narrative of an analysis, in the sections the LLM is asked to use
//! (`### Algorithm`, `### Time Complexity: O(...)`, `### Space Complexity: O(...)`,
//! `### Suggestions`), so the frontend renders both providers alike.

use crate::notation::Cost;
use crate::patterns::Pattern;

/// Everything a narrative is written from.
pub struct Sections<'s> {
    /// Functions defined in the snippet, in source order.
    pub functions: &'s [String],
    /// Patterns found.
    pub patterns: &'s [Pattern],
    /// Overall time.
    pub time: &'s Cost,
    /// Overall auxiliary space.
    pub space: &'s Cost,
    /// Evidence for the time bound.
    pub time_notes: &'s [String],
    /// Evidence for the space bound.
    pub space_notes: &'s [String],
    /// Improvements worth suggesting.
    pub suggestions: &'s [String],
}

/// Renders the narrative.
pub fn render(s: &Sections<'_>) -> String {
    let mut out = String::from("### Algorithm\n");
    if s.functions.is_empty() {
        out.push_str("Top-level script");
    } else {
        let f: Vec<String> = s.functions.iter().map(|f| format!("`{f}`")).collect();
        out.push_str(&format!("Defines {}", f.join(", ")));
    }
    if s.patterns.is_empty() {
        out.push_str(".\n");
    } else {
        let p: Vec<&str> = s.patterns.iter().map(|p| p.name()).collect();
        out.push_str(&format!("; techniques: {}.\n", p.join(", ")));
    }
    out.push_str(&format!(
        "\n### Time Complexity: {}\n{} ({}).\n",
        s.time.notation(),
        capitalised_class(s.time),
        s.time.notation()
    ));
    for n in s.time_notes {
        out.push_str(&format!("- {n}\n"));
    }
    out.push_str(&format!(
        "\n### Space Complexity: {}\n{} auxiliary space, not counting the input.\n",
        s.space.notation(),
        capitalised_class(s.space)
    ));
    for n in s.space_notes {
        out.push_str(&format!("- {n}\n"));
    }
    if !s.suggestions.is_empty() {
        out.push_str("\n### Suggestions\n");
        for n in s.suggestions {
            out.push_str(&format!("- {n}\n"));
        }
    }
    out
}

fn capitalised_class(c: &Cost) -> String {
    let name = c.class().name();
    let mut chars = name.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// Suggestions that follow from the bounds and patterns found.
pub fn suggestions(time: &Cost, patterns: &[Pattern], code: &str) -> Vec<String> {
    use crate::notation::ComplexityClass as C;
    let mut out = Vec::new();
    let class = time.class();
    if class >= C::Exponential
        && patterns.contains(&Pattern::Recursion)
        && !patterns.contains(&Pattern::Memoization)
    {
        out.push("Overlapping subproblems are recomputed: memoize with `functools.lru_cache` or fill a table bottom-up.".to_string());
    }
    if class >= C::Quadratic
        && patterns.contains(&Pattern::NestedLoops)
        && !patterns.contains(&Pattern::HashMap)
    {
        out.push("A set or dict for lookups, or sorting with two pointers, often removes one level of nesting.".to_string());
    }
    if code.contains(".pop(0)") || code.contains(".insert(0,") {
        out.push(
            "`list.pop(0)` and `insert(0, ...)` are O(n); `collections.deque` does both in O(1)."
                .to_string(),
        );
    }
    if patterns.contains(&Pattern::Recursion) && class >= C::Linear {
        out.push("Python's default recursion limit is 1000; an iterative version avoids `RecursionError` on large inputs.".to_string());
    }
    out
}
