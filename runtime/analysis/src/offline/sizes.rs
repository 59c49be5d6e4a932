//! Sizes of the values expressions build: lengths of collections (and of their elements),
//! magnitudes of numbers, and how many times a loop over an expression runs.

use rustpython_parser::ast::{Constant, Expr, Operator};

use super::scope::{Kind, Var};
use super::visit::{call_name, root_name};
use super::walker::Walker;
use crate::notation::Cost;

impl<'a> Walker<'a> {
    /// Length of an expression used as a collection (`len(x)`, `for _ in x`, `sorted(x)`): an
    /// element of a collection (`grid[0]`, a loop variable over `words`) gets the element size.
    pub(crate) fn collection_size(&mut self, e: &Expr) -> Cost {
        match e {
            Expr::Subscript(s) if !matches!(&*s.slice, Expr::Slice(_)) => {
                let base = self.value_size(&s.value);
                if let Some(elem) = base.elem {
                    return elem;
                }
                match root_name(&s.value) {
                    Some(root) if base.kind != Kind::Scalar => self.elem_symbol(root),
                    _ => Cost::constant(),
                }
            }
            Expr::Name(n) => match self.lookup(n.id.as_str()) {
                Some(v) if v.size.is_constant() && v.elem_of.is_some() => {
                    let root = v.elem_of.clone().unwrap_or_default();
                    let size = self.elem_symbol(&root);
                    let mut nv = Var::collection(Kind::Seq, size.clone(), v.loop_depth);
                    nv.elem_of = None;
                    self.rebind(n.id.as_str(), nv);
                    size
                }
                _ => self.size_of(e),
            },
            _ => self.size_of(e),
        }
    }

    /// Size of a collection that may still be growing: at most the iterations since it was bound.
    pub(crate) fn dynamic_size(&mut self, e: &Expr) -> Cost {
        let base = self.collection_size(e);
        match e {
            Expr::Name(n) => match self.lookup(n.id.as_str()) {
                Some(v) if v.kind != Kind::Scalar => {
                    base.max(&self.loop_product(v.loop_depth, true))
                }
                _ => base,
            },
            _ => base,
        }
    }

    /// Size of the value an expression evaluates to (length for collections, magnitude for numbers).
    pub(crate) fn size_of(&mut self, e: &Expr) -> Cost {
        self.value_size(e).size
    }

    /// Kind and size of the value an expression evaluates to.
    pub(crate) fn value_size(&mut self, e: &Expr) -> Var {
        let depth = self.loops.len();
        match e {
            Expr::Constant(k) => match &k.value {
                Constant::Str(_) | Constant::Bytes(_) => {
                    Var::collection(Kind::Seq, Cost::constant(), depth)
                }
                _ => Var::scalar(Cost::constant(), depth),
            },
            Expr::Name(n) => match self.lookup(n.id.as_str()) {
                Some(v) => v,
                None => {
                    let size = self.global_size(n.id.as_str());
                    Var::scalar(size, depth)
                }
            },
            Expr::List(l) => {
                Var::collection(Kind::Seq, Cost::constant(), depth).with_elems(&l.elts, self)
            }
            Expr::Tuple(l) => {
                Var::collection(Kind::Seq, Cost::constant(), depth).with_elems(&l.elts, self)
            }
            Expr::Set(_) => Var::collection(Kind::Hash, Cost::constant(), depth),
            Expr::Dict(_) => Var::collection(Kind::Hash, Cost::constant(), depth),
            Expr::ListComp(x) => {
                let (n, elem) = self.comp_size(&x.generators, &x.elt);
                let mut v = Var::collection(Kind::Seq, n, depth);
                v.elem = elem;
                v
            }
            Expr::SetComp(x) => {
                Var::collection(Kind::Hash, self.comp_size(&x.generators, &x.elt).0, depth)
            }
            Expr::DictComp(x) => {
                Var::collection(Kind::Hash, self.comp_size(&x.generators, &x.key).0, depth)
            }
            Expr::GeneratorExp(x) => {
                Var::collection(Kind::Seq, self.comp_size(&x.generators, &x.elt).0, depth)
            }
            Expr::Subscript(s) => {
                if matches!(&*s.slice, Expr::Slice(_)) {
                    let size = self.collection_size(&s.value);
                    return Var::collection(Kind::Seq, size, depth);
                }
                let base = self.value_size(&s.value);
                match base.elem {
                    Some(elem) => Var::collection(Kind::Seq, elem, depth),
                    None => Var::scalar(Cost::constant(), depth),
                }
            }
            Expr::BinOp(b) => self.binop_size(b, depth),
            Expr::Call(c) => self.call_value(c, depth),
            Expr::IfExp(x) => {
                let a = self.value_size(&x.body);
                let b = self.value_size(&x.orelse);
                Var {
                    size: a.size.max(&b.size),
                    ..a
                }
            }
            Expr::Attribute(a) => {
                if let Some(root) = root_name(&a.value) {
                    if root == "self" {
                        let key = format!("self.{}", a.attr.as_str());
                        if let Some(v) = self.lookup(&key) {
                            return v;
                        }
                    }
                }
                Var::scalar(Cost::constant(), depth)
            }
            _ => Var::scalar(Cost::constant(), depth),
        }
    }

    fn binop_size(&mut self, b: &rustpython_parser::ast::ExprBinOp, depth: usize) -> Var {
        let l = self.value_size(&b.left);
        let r = self.value_size(&b.right);
        match b.op {
            Operator::Mult => {
                if l.kind != Kind::Scalar {
                    let mut v = Var::collection(l.kind, l.size.mul(&r.size), depth);
                    v.elem = first_elem_size(&b.left, self);
                    return v;
                }
                if r.kind != Kind::Scalar {
                    return Var::collection(r.kind, r.size.mul(&l.size), depth);
                }
                Var::scalar(l.size.mul(&r.size), depth)
            }
            Operator::Pow => {
                let exp = match &*b.right {
                    Expr::Constant(k) => match &k.value {
                        Constant::Int(i) => i.to_string().parse::<f64>().unwrap_or(1.0),
                        Constant::Float(f) => *f,
                        _ => 1.0,
                    },
                    _ => 1.0,
                };
                let halves = (exp * 2.0).round().max(0.0) as u32;
                let vars = l.size.vars();
                match (vars.first(), halves) {
                    (Some(v), h) if l.size.terms_len() == 1 => {
                        Var::scalar(Cost::power(v, h), depth)
                    }
                    _ => Var::scalar(l.size, depth),
                }
            }
            Operator::FloorDiv | Operator::Div | Operator::RShift | Operator::Mod => {
                if matches!(b.op, Operator::Mod) {
                    return Var::scalar(r.size, depth);
                }
                Var::scalar(l.size, depth)
            }
            _ => {
                let kind = if l.kind != Kind::Scalar {
                    l.kind
                } else {
                    r.kind
                };
                Var {
                    kind,
                    size: l.size.max(&r.size),
                    loop_depth: depth,
                    elem: l.elem.or(r.elem),
                    elem_of: None,
                }
            }
        }
    }

    fn call_value(&mut self, c: &rustpython_parser::ast::ExprCall, depth: usize) -> Var {
        let first = c.args.first();
        let arg = |w: &mut Walker<'a>| {
            first
                .map(|a| w.value_size(a))
                .unwrap_or_else(|| Var::scalar(Cost::constant(), depth))
        };
        match call_name(&c.func) {
            Some("len") => Var::scalar(
                first.map(|a| self.collection_size(a)).unwrap_or_default(),
                depth,
            ),
            Some("set" | "frozenset" | "dict" | "Counter" | "defaultdict" | "OrderedDict") => {
                let n = if c.args.is_empty() {
                    Cost::constant()
                } else {
                    arg(self).size
                };
                Var::collection(Kind::Hash, n, depth)
            }
            Some(
                "list" | "sorted" | "tuple" | "reversed" | "deque" | "enumerate" | "zip" | "copy"
                | "split",
            ) => {
                let a = if matches!(call_name(&c.func), Some("copy" | "split")) {
                    match &*c.func {
                        Expr::Attribute(at) => self.value_size(&at.value),
                        _ => arg(self),
                    }
                } else {
                    arg(self)
                };
                let mut v = Var::collection(Kind::Seq, a.size, depth);
                v.elem = a.elem;
                v
            }
            Some("range") => {
                let n = self.range_count(&c.args);
                Var::collection(Kind::Seq, n, depth)
            }
            Some("sqrt" | "isqrt") => {
                let a = arg(self).size;
                match a.vars().first() {
                    Some(v) => Var::scalar(Cost::power(v, 1), depth),
                    None => Var::scalar(a, depth),
                }
            }
            Some("int" | "abs" | "max" | "min" | "sum" | "ceil" | "floor") if c.args.len() == 1 => {
                let a = arg(self);
                if matches!(call_name(&c.func), Some("max" | "min" | "sum"))
                    && a.kind != Kind::Scalar
                {
                    return Var::scalar(a.elem.unwrap_or_default(), depth);
                }
                Var::scalar(a.size, depth)
            }
            Some("max" | "min") => {
                let mut size = Cost::constant();
                for a in &c.args {
                    size = size.max(&self.size_of(a));
                }
                Var::scalar(size, depth)
            }
            Some("join" | "str") => Var::collection(Kind::Seq, arg(self).size, depth),
            Some(name) if self.funcs.contains_key(name) => {
                let collection_arg = c
                    .args
                    .iter()
                    .map(|a| self.value_size(a))
                    .find(|v| v.kind != Kind::Scalar);
                match collection_arg {
                    Some(v) => Var::collection(Kind::Seq, v.size, depth),
                    None => Var::scalar(Cost::constant(), depth),
                }
            }
            _ => Var::scalar(Cost::constant(), depth),
        }
    }

    fn comp_size(
        &mut self,
        gens: &[rustpython_parser::ast::Comprehension],
        elt: &Expr,
    ) -> (Cost, Option<Cost>) {
        let mut n = Cost::constant();
        self.push_scope();
        for g in gens {
            n = n.mul(&self.iter_count(&g.iter));
            self.bind_loop_target(&g.target, &g.iter);
        }
        let e = self.value_size(elt);
        self.pop_scope();
        let elem = (e.kind != Kind::Scalar).then_some(e.size);
        (n, elem)
    }

    /// Iterations of a `range(...)` call: the largest magnitude among its bounds.
    pub(crate) fn range_count(&mut self, args: &[Expr]) -> Cost {
        let bounds = if args.len() >= 2 { &args[..2] } else { args };
        let mut n = Cost::constant();
        for a in bounds {
            n = n.max(&self.size_of(a));
        }
        n
    }

    /// Number of iterations of `for _ in <iter>`.
    pub(crate) fn iter_count(&mut self, iter: &Expr) -> Cost {
        match iter {
            Expr::Call(c) => match call_name(&c.func) {
                Some("range") => self.range_count(&c.args),
                Some("enumerate" | "reversed" | "zip" | "sorted" | "list" | "set" | "iter") => c
                    .args
                    .first()
                    .map(|a| self.collection_size(a))
                    .unwrap_or_default(),
                Some("items" | "keys" | "values") => match &*c.func {
                    Expr::Attribute(a) => self.size_of(&a.value),
                    _ => Cost::constant(),
                },
                _ => self.size_of(iter),
            },
            Expr::Name(n) => match self.lookup(n.id.as_str()) {
                Some(_) => self.collection_size(iter),
                None => {
                    let s = self.global_size(n.id.as_str());
                    self.bind(n.id.as_str(), Var::collection(Kind::Seq, s.clone(), 0));
                    s
                }
            },
            Expr::Subscript(s) if !matches!(&*s.slice, Expr::Slice(_)) => {
                if let Some(g) = &self.graph_adjacency {
                    if root_name(&s.value) == Some(g.as_str()) {
                        return Cost::constant();
                    }
                }
                self.collection_size(iter)
            }
            _ => self.size_of(iter),
        }
    }
}

impl Var {
    fn with_elems(mut self, elts: &[Expr], w: &mut Walker<'_>) -> Var {
        let mut elem: Option<Cost> = None;
        for e in elts {
            let v = w.value_size(e);
            if v.kind != Kind::Scalar {
                elem = Some(elem.map_or(v.size.clone(), |x| x.max(&v.size)));
            }
        }
        self.elem = elem;
        self
    }
}

fn first_elem_size(list: &Expr, w: &mut Walker<'_>) -> Option<Cost> {
    match list {
        Expr::List(l) => {
            let v = w.value_size(l.elts.first()?);
            (v.kind != Kind::Scalar).then_some(v.size)
        }
        _ => None,
    }
}
