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

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// One product of growth factors, e.g. `n^2 log n` or `n * 2^n`; a sum of these is a [`Cost`].
#[derive(Clone, Debug, PartialEq, Eq, Default)]
struct Term {
    /// Variable to power, counted in halves so that `sqrt(n)` is representable (`n` is 2).
    powers: BTreeMap<String, u32>,
    /// Variable to the power of its logarithm.
    logs: BTreeMap<String, u32>,
    /// Variable to the base of an exponential in it (`2^n` is `n -> 2`).
    exps: BTreeMap<String, u32>,
    /// Variables that appear as a factorial.
    facts: BTreeMap<String, u32>,
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
    terms: Vec<Term>,
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

    fn reduce(terms: Vec<Term>) -> Cost {
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

    /// Parses written notation (`O(n^2)`, `O(n²)`, `O(n**2)`, `Θ(n log(n))`, `O(V+E)`, `n log n`).
    /// Returns `None` when the text is not notation this module understands, including variables
    /// longer than two letters (prose, not notation).
    pub fn parse(text: &str) -> Option<Cost> {
        let inner = strip_wrapper(text.trim())?;
        let tokens = tokenize(inner)?;
        let mut p = NotationParser { tokens, pos: 0 };
        let v = p.sum()?;
        if p.pos != p.tokens.len() {
            return None;
        }
        let cost = v.into_cost();
        if cost.vars().iter().any(|v| v.chars().count() > 2) {
            return None;
        }
        Some(cost)
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

fn strip_wrapper(text: &str) -> Option<&str> {
    let t = text.trim().trim_end_matches('.');
    for prefix in ["O(", "o(", "Θ(", "θ(", "Ω(", "ω(", "Big-O(", "big-O("] {
        if let Some(rest) = t.strip_prefix(prefix) {
            return rest.strip_suffix(')');
        }
    }
    if t.is_empty() {
        None
    } else {
        Some(t)
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Log,
    Sqrt,
    Pow,
    Mul,
    Div,
    Plus,
    Bang,
    Open,
    Close,
}

fn superscript(c: char) -> Option<char> {
    Some(match c {
        '⁰' => '0',
        '¹' => '1',
        '²' => '2',
        '³' => '3',
        '⁴' => '4',
        '⁵' => '5',
        '⁶' => '6',
        '⁷' => '7',
        '⁸' => '8',
        '⁹' => '9',
        'ⁿ' => 'n',
        'ᵐ' => 'm',
        'ᵏ' => 'k',
        _ => return None,
    })
}

fn push_ident(out: &mut Vec<Tok>, word: &str) {
    if word.is_empty() {
        return;
    }
    let lower = word.to_ascii_lowercase();
    if lower == "log" || lower == "lg" || lower == "ln" {
        out.push(Tok::Log);
        return;
    }
    if lower == "sqrt" {
        out.push(Tok::Sqrt);
        return;
    }
    if let Some(pos) = lower.find("log") {
        if word.len() > 3 {
            push_ident(out, &word[..pos]);
            out.push(Tok::Log);
            push_ident(out, &word[pos + 3..]);
            return;
        }
    }
    let name = if word == "V" || word == "E" {
        word.to_string()
    } else {
        lower
    };
    out.push(Tok::Ident(name));
}

fn tokenize(text: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() || c == '|' {
            i += 1;
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let s: String = chars[start..i].iter().collect();
            out.push(Tok::Num(s.parse().ok()?));
        } else if c.is_alphabetic() && superscript(c).is_none() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_')
                && superscript(chars[i]).is_none()
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if let Some(base) = word
                .strip_prefix("log_")
                .or_else(|| word.strip_prefix("log"))
            {
                if !base.is_empty() && base.chars().all(|c| c.is_ascii_digit() || c == '_') {
                    out.push(Tok::Log);
                    continue;
                }
            }
            push_ident(&mut out, &word);
        } else if let Some(s) = superscript(c) {
            out.push(Tok::Pow);
            let start = i;
            while i < chars.len() && superscript(chars[i]).is_some() {
                i += 1;
            }
            let s2: String = chars[start..i]
                .iter()
                .filter_map(|c| superscript(*c))
                .collect();
            if s.is_ascii_digit() {
                out.push(Tok::Num(s2.parse().ok()?));
            } else {
                out.push(Tok::Ident(s2));
            }
        } else {
            let tok = match c {
                '^' => Tok::Pow,
                '*' if chars.get(i + 1) == Some(&'*') => {
                    i += 1;
                    Tok::Pow
                }
                '*' | '·' | '×' | '⋅' => Tok::Mul,
                '/' => Tok::Div,
                '+' | '-' => Tok::Plus,
                '!' => Tok::Bang,
                '(' | '[' | '{' => Tok::Open,
                ')' | ']' | '}' => Tok::Close,
                '√' => Tok::Sqrt,
                ',' => Tok::Plus,
                _ => return None,
            };
            out.push(tok);
            i += 1;
        }
    }
    Some(out)
}

/// A parsed sub-expression: numbers stay numbers so that `2^n` and `n^2` can be told apart.
#[derive(Clone, Debug)]
enum Val {
    Num(f64),
    Var(String),
    Cost(Cost),
}

impl Val {
    fn into_cost(self) -> Cost {
        match self {
            Val::Num(_) => Cost::constant(),
            Val::Var(v) => Cost::linear(&v),
            Val::Cost(c) => c,
        }
    }
}

struct NotationParser {
    tokens: Vec<Tok>,
    pos: usize,
}

impl NotationParser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos)
    }

    fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == Some(t) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn sum(&mut self) -> Option<Val> {
        let mut acc = self.product()?;
        while self.eat(&Tok::Plus) {
            let rhs = self.product()?;
            acc = Val::Cost(acc.into_cost().add(&rhs.into_cost()));
        }
        Some(acc)
    }

    fn starts_atom(&self) -> bool {
        matches!(
            self.peek(),
            Some(Tok::Num(_) | Tok::Ident(_) | Tok::Log | Tok::Sqrt | Tok::Open)
        )
    }

    fn product(&mut self) -> Option<Val> {
        let mut acc = self.postfix()?;
        loop {
            if self.eat(&Tok::Mul) {
                let rhs = self.postfix()?;
                acc = multiply(acc, rhs);
            } else if self.eat(&Tok::Div) {
                self.postfix()?;
            } else if self.starts_atom() {
                let rhs = self.postfix()?;
                acc = multiply(acc, rhs);
            } else {
                return Some(acc);
            }
        }
    }

    fn postfix(&mut self) -> Option<Val> {
        let mut v = self.atom()?;
        loop {
            if self.eat(&Tok::Pow) {
                let exp = self.atom()?;
                v = power(v, exp)?;
            } else if self.eat(&Tok::Bang) {
                v = match v {
                    Val::Num(_) => Val::Num(1.0),
                    Val::Var(name) => Val::Cost(Cost::factorial(&name)),
                    Val::Cost(c) => {
                        let var = c.vars().into_iter().next()?;
                        Val::Cost(Cost::factorial(&var))
                    }
                };
            } else {
                return Some(v);
            }
        }
    }

    fn atom(&mut self) -> Option<Val> {
        match self.peek()?.clone() {
            Tok::Num(x) => {
                self.pos += 1;
                Some(Val::Num(x))
            }
            Tok::Ident(name) => {
                self.pos += 1;
                if name == "len" && self.peek() == Some(&Tok::Open) {
                    return self.atom();
                }
                Some(Val::Var(name))
            }
            Tok::Open => {
                self.pos += 1;
                let v = self.sum()?;
                if !self.eat(&Tok::Close) {
                    return None;
                }
                Some(v)
            }
            Tok::Log => {
                self.pos += 1;
                let mut times = 1u32;
                if self.eat(&Tok::Pow) {
                    if let Some(Tok::Num(k)) = self.peek().cloned() {
                        self.pos += 1;
                        times = k.max(1.0) as u32;
                    }
                }
                let arg = self.postfix()?.into_cost().logarithm();
                let mut out = Cost::constant();
                for _ in 0..times {
                    out = out.mul(&arg);
                }
                Some(Val::Cost(out))
            }
            Tok::Sqrt => {
                self.pos += 1;
                let arg = self.postfix()?;
                power(arg, Val::Num(0.5))
            }
            _ => None,
        }
    }
}

fn multiply(a: Val, b: Val) -> Val {
    match (a, b) {
        (Val::Num(x), Val::Num(y)) => Val::Num(x * y),
        (Val::Num(_), other) | (other, Val::Num(_)) => Val::Cost(other.into_cost()),
        (x, y) => Val::Cost(x.into_cost().mul(&y.into_cost())),
    }
}

fn power(base: Val, exp: Val) -> Option<Val> {
    match (base, exp) {
        (Val::Num(b), Val::Num(e)) => Some(Val::Num(b.powf(e))),
        (Val::Num(b), Val::Var(v)) => {
            if b <= 1.0 {
                Some(Val::Num(1.0))
            } else {
                Some(Val::Cost(Cost::exponential(&v, b.round() as u32)))
            }
        }
        (Val::Num(b), Val::Cost(c)) => {
            let var = c.vars().into_iter().next()?;
            Some(Val::Cost(Cost::exponential(
                &var,
                b.round().max(2.0) as u32,
            )))
        }
        (base, Val::Num(e)) => {
            let halves = (e * 2.0).round();
            if halves <= 0.0 {
                return Some(Val::Num(1.0));
            }
            let halves = halves as u32;
            let c = base.into_cost();
            if c.terms.len() == 1 {
                let t = &c.terms[0];
                let mut out = Term::default();
                for (v, p) in &t.powers {
                    out.powers.insert(v.clone(), p * halves / 2);
                }
                for (v, p) in &t.logs {
                    out.logs.insert(v.clone(), (p * halves / 2).max(1));
                }
                out.exps = t.exps.clone();
                out.facts = t.facts.clone();
                return Some(Val::Cost(Cost::reduce(vec![out])));
            }
            let mut out = Cost::constant();
            for _ in 0..(halves / 2).max(1) {
                out = out.mul(&c);
            }
            Some(Val::Cost(out))
        }
        (Val::Var(b), Val::Var(_)) | (Val::Var(b), Val::Cost(_)) => Some(Val::Cost(
            Cost::exponential(&b, 2).mul(&Cost::factorial(&b)),
        )),
        (Val::Cost(c), _) => {
            let var = c.vars().into_iter().next()?;
            Some(Val::Cost(Cost::exponential(&var, 2)))
        }
    }
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
