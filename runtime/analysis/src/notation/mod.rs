//! Big-O notation: a small algebra of growth terms, a parser for notation as people and models
//! write it, and one canonical rendering.
//!
//! Why: complexity values are stored and searched, so `O(n^2)`, `O(n²)` and `O(n**2)` must become
//! the same string. The canonical form is ASCII so that it can be typed in a search box:
//!
//! - `O(1)`, `O(log n)`, `O(sqrt(n))`, `O(n)`, `O(n log n)`, `O(n^2)`, `O(n^3)`, `O(2^n)`, `O(n!)`;
//! - factors of several variables are joined by ` * ` (`O(n * m)`, `O(n * 2^n)`), logarithms follow
//!   after a space (`O(n^2 log n)`, `O(E log V)`), sums are joined by ` + ` (`O(V + E)`), and a
//!   logarithm shared by every term of a sum is factored out (`O((V + E) log V)`);
//! - constant factors and dominated terms are dropped (`O(2n + 5)` is `O(n)`, `O(n^2 + n)` is `O(n^2)`);
//! - variables are lower case except the graph conventions `V` and `E`.

mod algebra;
mod parse;

pub use algebra::{ComplexityClass, Cost};

/// Normalises a complexity string to the canonical form; text that is not parseable notation is
/// returned trimmed with its whitespace collapsed, so nothing is lost.
pub fn normalize(text: &str) -> String {
    match Cost::parse(text) {
        Some(c) => c.notation(),
        None => text.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

/// The class name of a complexity string (`O(n log n)` is `linearithmic`), or `unknown`.
pub fn class_name(text: &str) -> &'static str {
    Cost::parse(text).map_or("unknown", |c| c.class().name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equivalent_notations_normalise_to_one_form() {
        for s in [
            "O(n^2)",
            "O(n²)",
            "O(n**2)",
            "O(N^2)",
            "O(n * n)",
            "O(n^2 + n)",
            "O(3n^2 + 2)",
        ] {
            assert_eq!(normalize(s), "O(n^2)", "{s}");
        }
        for s in [
            "O(n log n)",
            "O(nlogn)",
            "O(n log(n))",
            "O(n*log(n))",
            "O(n log_2 n)",
            "n log n",
        ] {
            assert_eq!(normalize(s), "O(n log n)", "{s}");
        }
        for s in ["O(log n)", "O(logn)", "O(log(n))", "O(log2 n)"] {
            assert_eq!(normalize(s), "O(log n)", "{s}");
        }
        assert_eq!(normalize("O(2^n)"), "O(2^n)");
        assert_eq!(normalize("O(2ⁿ)"), "O(2^n)");
        assert_eq!(normalize("O(n!)"), "O(n!)");
        assert_eq!(normalize("O(1)"), "O(1)");
        assert_eq!(normalize("Θ(n)"), "O(n)");
        assert_eq!(normalize("O(V+E)"), "O(V + E)");
        assert_eq!(normalize("O(|V| + |E|)"), "O(V + E)");
        assert_eq!(normalize("O(m*n)"), "O(n * m)");
        assert_eq!(normalize("O(n × m)"), "O(n * m)");
        assert_eq!(normalize("O((V + E) log V)"), "O((V + E) log V)");
        assert_eq!(normalize("O(E log V + V log V)"), "O((V + E) log V)");
        assert_eq!(normalize("O(sqrt(n))"), "O(sqrt(n))");
        assert_eq!(normalize("O(√n)"), "O(sqrt(n))");
        assert_eq!(normalize("O(n * 2^n)"), "O(n * 2^n)");
        assert_eq!(normalize("O(2^n + n)"), "O(2^n)");
        assert_eq!(normalize("O(n³)"), "O(n^3)");
    }

    #[test]
    fn unparseable_text_is_kept_collapsed() {
        assert_eq!(normalize("  depends   on input "), "depends on input");
        assert_eq!(normalize("O(n"), "O(n");
    }

    #[test]
    fn class_names() {
        assert_eq!(class_name("O(1)"), "constant");
        assert_eq!(class_name("O(log n)"), "logarithmic");
        assert_eq!(class_name("O(n)"), "linear");
        assert_eq!(class_name("O(V + E)"), "linear");
        assert_eq!(class_name("O(n log n)"), "linearithmic");
        assert_eq!(class_name("O(n^2)"), "quadratic");
        assert_eq!(class_name("O(n * m)"), "quadratic");
        assert_eq!(class_name("O(n^3)"), "cubic");
        assert_eq!(class_name("O(2^n)"), "exponential");
        assert_eq!(class_name("O(n!)"), "factorial");
        assert_eq!(class_name("whatever"), "unknown");
    }

    #[test]
    fn algebra_composes() {
        let n = Cost::linear("n");
        assert_eq!(n.mul(&n).notation(), "O(n^2)");
        assert_eq!(n.mul(&Cost::log("n")).notation(), "O(n log n)");
        assert_eq!(n.add(&Cost::constant()).notation(), "O(n)");
        assert!(n.mul(&n).dominates(&n));
        assert!(!n.dominates(&n.mul(&n)));
        assert_eq!(Cost::linear("m").add(&n).notation(), "O(n + m)");
    }
}
