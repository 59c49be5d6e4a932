//! The growth-term algebra: products of factors (`Term`), their sums ([`Cost`]), ordering,
//! simplification, the canonical rendering and the complexity class.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// One product of growth factors, e.g. `n^2 log n` or `n * 2^n`; a sum of these is a [`Cost`].
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(super) struct Term {
    /// Variable to power, counted in halves so that `sqrt(n)` is representable (`n` is 2).
    pub(super) powers: BTreeMap<String, u32>,
    /// Variable to the power of its logarithm.
    pub(super) logs: BTreeMap<String, u32>,
    /// Variable to the base of an exponential in it (`2^n` is `n -> 2`).
    pub(super) exps: BTreeMap<String, u32>,
    /// Variables that appear as a factorial.
    pub(super) facts: BTreeMap<String, u32>,
}

impl Term {
    fn vars(&self) -> impl Iterator<Item = &String> {
        self.powers
            .keys()
            .chain(self.logs.keys())
            .chain(self.exps.keys())
            .chain(self.facts.keys())
    }

    /// Growth key of one variable in this term: factorial, then exponential base, then power, then log.
    fn key(&self, var: &str) -> (u32, u32, u32, u32) {
        (
            self.facts.get(var).copied().unwrap_or(0),
            self.exps.get(var).copied().unwrap_or(0),
            self.powers.get(var).copied().unwrap_or(0),
            self.logs.get(var).copied().unwrap_or(0),
        )
    }

    fn dominates(&self, other: &Term) -> bool {
        other.vars().all(|v| self.key(v) >= other.key(v))
    }

    fn mul(&self, other: &Term) -> Term {
        let mut out = self.clone();
        for (v, p) in &other.powers {
            *out.powers.entry(v.clone()).or_insert(0) += p;
        }
        for (v, p) in &other.logs {
            *out.logs.entry(v.clone()).or_insert(0) += p;
        }
        for (v, b) in &other.exps {
            let e = out.exps.entry(v.clone()).or_insert(1);
            *e = e.saturating_mul(*b);
        }
        for (v, p) in &other.facts {
            *out.facts.entry(v.clone()).or_insert(0) += p;
        }
        out
    }

    /// Halves of polynomial degree, used for naming and ordering.
    fn degree(&self) -> u32 {
        self.powers.values().sum()
    }

    fn class(&self) -> ComplexityClass {
        if !self.facts.is_empty() {
            return ComplexityClass::Factorial;
        }
        if !self.exps.is_empty() {
            return ComplexityClass::Exponential;
        }
        let logs: u32 = self.logs.values().sum();
        match self.degree() {
            0 if logs == 0 => ComplexityClass::Constant,
            0 => ComplexityClass::Logarithmic,
            1 => ComplexityClass::Sublinear,
            2 if logs == 0 => ComplexityClass::Linear,
            2 => ComplexityClass::Linearithmic,
            3 | 4 => ComplexityClass::Quadratic,
            5 | 6 => ComplexityClass::Cubic,
            _ => ComplexityClass::Polynomial,
        }
    }

    fn render_without_logs(&self) -> String {
        let mut vars: Vec<&String> = self
            .powers
            .keys()
            .chain(self.exps.keys())
            .chain(self.facts.keys())
            .collect();
        vars.sort_by(|a, b| var_order(a, b));
        vars.dedup();
        let mut parts = Vec::new();
        for v in vars {
            if let Some(p) = self.powers.get(v.as_str()).copied().filter(|p| *p > 0) {
                parts.push(render_power(v, p));
            }
            if let Some(b) = self.exps.get(v.as_str()) {
                parts.push(format!("{b}^{v}"));
            }
            if let Some(k) = self.facts.get(v.as_str()).copied().filter(|k| *k > 0) {
                parts.push(if k == 1 {
                    format!("{v}!")
                } else {
                    format!("({v}!)^{k}")
                });
            }
        }
        parts.join(" * ")
    }

    fn render_logs(&self) -> String {
        let mut vars: Vec<(&String, &u32)> = self.logs.iter().filter(|(_, p)| **p > 0).collect();
        vars.sort_by(|a, b| var_order(a.0, b.0));
        vars.iter()
            .map(|(v, p)| {
                if **p == 1 {
                    format!("log {v}")
                } else {
                    format!("log^{p} {v}")
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn render(&self) -> String {
        let head = self.render_without_logs();
        let logs = self.render_logs();
        match (head.is_empty(), logs.is_empty()) {
            (true, true) => "1".to_string(),
            (true, false) => logs,
            (false, true) => head,
            (false, false) => format!("{head} {logs}"),
        }
    }
}

fn render_power(v: &str, halves: u32) -> String {
    match halves {
        1 => format!("sqrt({v})"),
        2 => v.to_string(),
        h if h % 2 == 0 => format!("{v}^{}", h / 2),
        h => format!("{v}^{}.5", h / 2),
    }
}

/// Conventional order of variables in rendered notation.
fn var_order(a: &str, b: &str) -> Ordering {
    const RANK: [&str; 6] = ["n", "m", "k", "h", "V", "E"];
    let rank = |v: &str| RANK.iter().position(|r| *r == v).unwrap_or(RANK.len());
    rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
}

/// A growth function in big-O terms: a sum of products of powers, logarithms, exponentials and
/// factorials of named size variables. Why: the analyzer composes costs (loops multiply, sequences
/// add) and every notation is compared and stored through this one type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cost {
    pub(super) terms: Vec<Term>,
}

impl Default for Cost {
    fn default() -> Self {
        Self::constant()
    }
}

impl Cost {
    /// `O(1)`: the cost of straight-line work.
    pub fn constant() -> Self {
        Cost {
            terms: vec![Term::default()],
        }
    }

    /// `O(var)`: linear in one size variable.
    pub fn linear(var: &str) -> Self {
        Self::power(var, 2)
    }

    /// `O(var^(halves/2))`: a power counted in halves (`1` is a square root).
    pub fn power(var: &str, halves: u32) -> Self {
        let mut t = Term::default();
        if halves > 0 {
            t.powers.insert(var.to_string(), halves);
        }
        Cost { terms: vec![t] }
    }

    /// `O(log var)`.
    pub fn log(var: &str) -> Self {
        let mut t = Term::default();
        t.logs.insert(var.to_string(), 1);
        Cost { terms: vec![t] }
    }

    /// `O(base^var)`.
    pub fn exponential(var: &str, base: u32) -> Self {
        let mut t = Term::default();
        t.exps.insert(var.to_string(), base.max(2));
        Cost { terms: vec![t] }
    }

    /// `O(var!)`.
    pub fn factorial(var: &str) -> Self {
        let mut t = Term::default();
        t.facts.insert(var.to_string(), 1);
        Cost { terms: vec![t] }
    }

    /// The sum of two costs with dominated terms dropped (sequential work).
    pub fn add(&self, other: &Cost) -> Cost {
        let mut terms = self.terms.clone();
        terms.extend(other.terms.iter().cloned());
        Cost::reduce(terms)
    }

    /// The product of two costs (work repeated inside a loop).
    pub fn mul(&self, other: &Cost) -> Cost {
        let mut terms = Vec::new();
        for a in &self.terms {
            for b in &other.terms {
                terms.push(a.mul(b));
            }
        }
        Cost::reduce(terms)
    }

    /// The larger of two costs; for big-O purposes the same as their sum.
    pub fn max(&self, other: &Cost) -> Cost {
        self.add(other)
    }

    /// Number of summed terms, e.g. 2 for `O(V + E)`.
    pub(crate) fn terms_len(&self) -> usize {
        self.terms.len()
    }

    /// Whether this cost is `O(1)`.
    pub fn is_constant(&self) -> bool {
        self.terms.iter().all(|t| t.vars().next().is_none())
    }

    /// Whether this cost grows at least as fast as `other` in every variable.
    pub fn dominates(&self, other: &Cost) -> bool {
        other
            .terms
            .iter()
            .all(|o| self.terms.iter().any(|s| s.dominates(o)))
    }

    /// The variables this cost depends on, in conventional order.
    pub fn vars(&self) -> Vec<String> {
        let mut vars: Vec<String> = self.terms.iter().flat_map(|t| t.vars().cloned()).collect();
        vars.sort_by(|a, b| var_order(a, b));
        vars.dedup();
        vars
    }

    /// The logarithm of this cost: `log(n^2)` is `log n`, `log(2^n)` is `n`, `log(1)` is `1`.
    pub fn logarithm(&self) -> Cost {
        let Some(top) = self.terms.iter().max_by(|a, b| a.class().cmp(&b.class())) else {
            return Cost::constant();
        };
        if let Some(v) = top.facts.keys().next() {
            return Cost::linear(v).mul(&Cost::log(v));
        }
        if let Some(v) = top.exps.keys().next() {
            return Cost::linear(v);
        }
        let mut vars: Vec<&String> = top.powers.keys().collect();
        vars.sort_by(|a, b| var_order(a, b));
        match vars.first() {
            Some(v) => Cost::log(v),
            None => Cost::constant(),
        }
    }

    /// Replaces variables by costs all at once (`n -> m` and `m -> n` swap correctly); used to
    /// express a callee's cost in the caller's sizes.
    pub fn substitute(&self, map: &[(String, Cost)]) -> Cost {
        let mut out: Option<Cost> = None;
        for t in &self.terms {
            let mut rest = t.clone();
            let mut c = Cost::constant();
            for (var, with) in map {
                let p = rest.powers.remove(var).unwrap_or(0);
                let l = rest.logs.remove(var).unwrap_or(0);
                let e = rest.exps.remove(var);
                let f = rest.facts.remove(var).unwrap_or(0);
                for _ in 0..p / 2 {
                    c = c.mul(with);
                }
                if p % 2 == 1 {
                    if let Some(v) = with.vars().first() {
                        c = c.mul(&Cost::power(v, 1));
                    }
                }
                let lg = with.logarithm();
                for _ in 0..l {
                    c = c.mul(&lg);
                }
                if let (Some(b), Some(v)) = (e, with.vars().first()) {
                    c = c.mul(&Cost::exponential(v, b));
                }
                if let (true, Some(v)) = (f > 0, with.vars().first()) {
                    c = c.mul(&Cost::factorial(v));
                }
            }
            c = c.mul(&Cost { terms: vec![rest] });
            out = Some(match out {
                None => c,
                Some(x) => x.add(&c),
            });
        }
        out.unwrap_or_default()
    }

    /// The growth class used in names and embeddings (the fastest-growing term decides).
    pub fn class(&self) -> ComplexityClass {
        self.terms
            .iter()
            .map(Term::class)
            .max()
            .unwrap_or(ComplexityClass::Constant)
    }

    pub(super) fn reduce(terms: Vec<Term>) -> Cost {
        let mut kept: Vec<Term> = Vec::new();
        for t in terms {
            if kept.iter().any(|k| k.dominates(&t)) {
                continue;
            }
            kept.retain(|k| !t.dominates(k));
            kept.push(t);
        }
        if kept.is_empty() {
            kept.push(Term::default());
        }
        kept.sort_by(|a, b| {
            b.class()
                .cmp(&a.class())
                .then_with(|| b.degree().cmp(&a.degree()))
                .then_with(|| {
                    let av: Vec<&String> = a.vars().collect();
                    let bv: Vec<&String> = b.vars().collect();
                    match (av.first(), bv.first()) {
                        (Some(x), Some(y)) => var_order(x, y),
                        _ => Ordering::Equal,
                    }
                })
        });
        Cost { terms: kept }
    }

    /// The canonical notation, e.g. `O(n log n)`.
    pub fn notation(&self) -> String {
        format!("O({})", self.render())
    }

    fn render(&self) -> String {
        if self.terms.len() > 1 {
            let first_logs = &self.terms[0].logs;
            let shared = !first_logs.is_empty()
                && self.terms.iter().all(|t| &t.logs == first_logs)
                && self
                    .terms
                    .iter()
                    .all(|t| !t.render_without_logs().is_empty());
            if shared {
                let sum = self
                    .terms
                    .iter()
                    .map(Term::render_without_logs)
                    .collect::<Vec<_>>()
                    .join(" + ");
                return format!("({sum}) {}", self.terms[0].render_logs());
            }
        }
        self.terms
            .iter()
            .map(Term::render)
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

impl fmt::Display for Cost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.notation())
    }
}

/// The name of a growth class, used in narratives and in the embedding input
/// (`Analysis: time O(n) (linear), ...`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ComplexityClass {
    /// `O(1)`.
    Constant,
    /// `O(log n)`.
    Logarithmic,
    /// Between logarithmic and linear, e.g. `O(sqrt(n))`.
    Sublinear,
    /// `O(n)`, also `O(V + E)`.
    Linear,
    /// `O(n log n)`.
    Linearithmic,
    /// Degree two, e.g. `O(n^2)` or `O(n * m)`.
    Quadratic,
    /// Degree three.
    Cubic,
    /// Degree above three.
    Polynomial,
    /// `O(2^n)` and other exponentials.
    Exponential,
    /// `O(n!)`.
    Factorial,
}

impl ComplexityClass {
    /// Every class, slowest-growing first.
    pub const ALL: [ComplexityClass; 10] = [
        ComplexityClass::Constant,
        ComplexityClass::Logarithmic,
        ComplexityClass::Sublinear,
        ComplexityClass::Linear,
        ComplexityClass::Linearithmic,
        ComplexityClass::Quadratic,
        ComplexityClass::Cubic,
        ComplexityClass::Polynomial,
        ComplexityClass::Exponential,
        ComplexityClass::Factorial,
    ];

    /// The lowercase English name (`linearithmic`).
    pub fn name(self) -> &'static str {
        match self {
            ComplexityClass::Constant => "constant",
            ComplexityClass::Logarithmic => "logarithmic",
            ComplexityClass::Sublinear => "sublinear",
            ComplexityClass::Linear => "linear",
            ComplexityClass::Linearithmic => "linearithmic",
            ComplexityClass::Quadratic => "quadratic",
            ComplexityClass::Cubic => "cubic",
            ComplexityClass::Polynomial => "polynomial",
            ComplexityClass::Exponential => "exponential",
            ComplexityClass::Factorial => "factorial",
        }
    }

    /// The representative notation of the class (`quadratic` is `O(n^2)`), for word queries.
    pub fn representative(self) -> &'static str {
        match self {
            ComplexityClass::Constant => "O(1)",
            ComplexityClass::Logarithmic => "O(log n)",
            ComplexityClass::Sublinear => "O(sqrt(n))",
            ComplexityClass::Linear => "O(n)",
            ComplexityClass::Linearithmic => "O(n log n)",
            ComplexityClass::Quadratic => "O(n^2)",
            ComplexityClass::Cubic => "O(n^3)",
            ComplexityClass::Polynomial => "O(n^4)",
            ComplexityClass::Exponential => "O(2^n)",
            ComplexityClass::Factorial => "O(n!)",
        }
    }

    /// The class named by a word such as `quadratic` or `nlogn`, if any.
    pub fn from_word(word: &str) -> Option<ComplexityClass> {
        let w = word.to_ascii_lowercase();
        let class = match w.as_str() {
            "constant" => ComplexityClass::Constant,
            "logarithmic" => ComplexityClass::Logarithmic,
            "sublinear" => ComplexityClass::Sublinear,
            "linear" => ComplexityClass::Linear,
            "linearithmic" | "loglinear" | "nlogn" => ComplexityClass::Linearithmic,
            "quadratic" => ComplexityClass::Quadratic,
            "cubic" => ComplexityClass::Cubic,
            "polynomial" => ComplexityClass::Polynomial,
            "exponential" => ComplexityClass::Exponential,
            "factorial" => ComplexityClass::Factorial,
            _ => return None,
        };
        Some(class)
    }
}

impl fmt::Display for ComplexityClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
