//! Notation as people and models write it (`O(n²)`, `O(N**2)`, `Θ(V+E)`), tokenised and parsed
//! into a [`Cost`].

use super::algebra::{Cost, Term};

impl Cost {
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
