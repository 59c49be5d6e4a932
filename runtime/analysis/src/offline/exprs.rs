//! Costs of expressions: calls with known cost (`sorted`, `heapq`, `in` on a list, slicing),
//! comprehensions, and the sizes of the values expressions build.

use rustpython_parser::ast::{CmpOp, Constant, Expr, Operator};

use super::scope::{Kind, Var};
use super::visit::{call_name, name_of, root_name};
use super::walker::{Flow, Walker};
use crate::notation::Cost;
use crate::patterns::Pattern;

/// Builtins that walk their whole argument once.
const LINEAR_BUILTINS: [&str; 14] = [
    "sum",
    "max",
    "min",
    "any",
    "all",
    "list",
    "set",
    "tuple",
    "dict",
    "frozenset",
    "Counter",
    "deque",
    "bytearray",
    "str",
];

impl<'a> Walker<'a> {
    /// Time cost of evaluating an expression, counting self-calls of the function being analysed.
    pub(crate) fn expr(&mut self, e: &'a Expr) -> Flow {
        match e {
            Expr::Call(c) => self.call(c),
            Expr::Compare(c) => {
                let mut f = self.expr(&c.left);
                for (op, right) in c.ops.iter().zip(&c.comparators) {
                    f = f.seq(self.expr(right));
                    if matches!(op, CmpOp::In | CmpOp::NotIn) {
                        f.time = f.time.add(&self.membership_cost(right));
                    }
                }
                f
            }
            Expr::ListComp(x) => self.comprehension(&x.generators, &[&x.elt], true),
            Expr::SetComp(x) => self.comprehension(&x.generators, &[&x.elt], true),
            Expr::DictComp(x) => self.comprehension(&x.generators, &[&x.key, &x.value], true),
            Expr::GeneratorExp(x) => self.comprehension(&x.generators, &[&x.elt], false),
            Expr::Lambda(_) => Flow::default(),
            Expr::IfExp(x) => {
                let t = self.expr(&x.test);
                let a = self.expr(&x.body);
                let b = self.expr(&x.orelse);
                t.seq(a.alt(b))
            }
            Expr::BinOp(b) => {
                let f = self.expr(&b.left).seq(self.expr(&b.right));
                let built = self.value_size(e);
                if built.kind != Kind::Scalar {
                    self.alloc(&built.size);
                    return Flow {
                        time: f.time.add(&built.size),
                        calls: f.calls,
                    };
                }
                f
            }
            Expr::Subscript(s) => {
                let mut f = self.expr(&s.value).seq(self.expr(&s.slice));
                if matches!(&*s.slice, Expr::Slice(_)) {
                    let size = self.size_of(&s.value);
                    self.alloc(&size);
                    f.time = f.time.add(&size);
                }
                f
            }
            _ => {
                let mut f = Flow::default();
                for c in super::visit::expr_children(e) {
                    f = f.seq(self.expr(c));
                }
                f
            }
        }
    }

    fn comprehension(
        &mut self,
        gens: &'a [rustpython_parser::ast::Comprehension],
        elts: &[&'a Expr],
        builds: bool,
    ) -> Flow {
        let mut count = Cost::constant();
        let mut setup = Flow::default();
        self.push_scope();
        for g in gens {
            setup = setup.seq(self.expr(&g.iter));
            let n = self.iter_count(&g.iter);
            self.bind_loop_target(&g.target, &g.iter);
            count = count.mul(&n);
        }
        let mut body = Flow::default();
        for g in gens {
            for cond in &g.ifs {
                body = body.seq(self.expr(cond));
            }
        }
        let mut elem_size = Cost::constant();
        for e in elts {
            body = body.seq(self.expr(e));
            let v = self.value_size(e);
            if v.kind != Kind::Scalar {
                elem_size = elem_size.max(&v.size);
            }
        }
        self.pop_scope();
        if builds {
            self.alloc(&count.mul(&elem_size));
        }
        Flow {
            time: setup.time.add(&count.mul(&body.time)),
            calls: setup.calls + body.calls,
        }
    }

    fn membership_cost(&mut self, container: &Expr) -> Cost {
        match container {
            Expr::Name(n) => match self.lookup(n.id.as_str()) {
                Some(v) if v.kind == Kind::Hash => {
                    self.patterns.insert(Pattern::HashMap);
                    Cost::constant()
                }
                Some(v) if v.kind == Kind::Scalar && v.elem_of.is_none() => Cost::constant(),
                Some(_) => self.dynamic_size(container),
                None => Cost::constant(),
            },
            Expr::Subscript(s) if !matches!(&*s.slice, Expr::Slice(_)) => {
                let inner = self.lookup_root(&s.value).and_then(|v| v.elem);
                inner.unwrap_or_default()
            }
            Expr::Subscript(s) => self.size_of(&s.value),
            _ => Cost::constant(),
        }
    }

    fn call(&mut self, c: &'a rustpython_parser::ast::ExprCall) -> Flow {
        let mut f = Flow::default();
        for a in &c.args {
            f = f.seq(self.expr(a));
        }
        for k in &c.keywords {
            f = f.seq(self.expr(&k.value));
        }
        if let Expr::Attribute(a) = &*c.func {
            f = f.seq(self.expr(&a.value));
        }
        let Some(name) = call_name(&c.func) else {
            return f;
        };
        let first = c.args.first();
        let arg_size = |w: &mut Walker<'a>| first.map(|a| w.dynamic_size(a)).unwrap_or_default();
        let receiver = match &*c.func {
            Expr::Attribute(a) => Some(&*a.value),
            _ => None,
        };
        let receiver_size =
            |w: &mut Walker<'a>| receiver.map(|r| w.dynamic_size(r)).unwrap_or_default();
        let is_module = |m: &str| receiver.and_then(name_of) == Some(m);
        if self.is_self_call(&c.func) {
            self.record_self_call(c);
            f.calls += 1;
            return f;
        }
        let extra = match name {
            "sorted" => {
                self.patterns.insert(Pattern::Sorting);
                let n = arg_size(self);
                self.alloc(&n);
                n.mul(&n.logarithm())
            }
            "sort" if receiver.is_some() && !is_module("np") => {
                self.patterns.insert(Pattern::Sorting);
                let n = receiver_size(self);
                self.alloc(&n);
                n.mul(&n.logarithm())
            }
            "heappush" | "heappop" | "heapreplace" | "heappushpop" => {
                self.patterns.insert(Pattern::Heap);
                let n = arg_size(self);
                if name == "heappush" {
                    self.grow(first, c.args.get(1));
                }
                n.logarithm()
            }
            "heapify" => {
                self.patterns.insert(Pattern::Heap);
                if let Some(Expr::Name(n)) = first {
                    if let Some(mut v) = self.lookup(n.id.as_str()) {
                        v.kind = Kind::Heap;
                        self.rebind(n.id.as_str(), v);
                    }
                }
                arg_size(self)
            }
            "nlargest" | "nsmallest" => {
                self.patterns.insert(Pattern::Heap);
                let n = c.args.get(1).map(|a| self.size_of(a)).unwrap_or_default();
                let k = arg_size(self);
                n.mul(&k.logarithm())
            }
            "bisect" | "bisect_left" | "bisect_right" => {
                self.patterns.insert(Pattern::BinarySearch);
                arg_size(self).logarithm()
            }
            "insort" | "insort_left" | "insort_right" => {
                self.patterns.insert(Pattern::BinarySearch);
                self.grow(first, c.args.get(1));
                arg_size(self)
            }
            "append" | "add" | "appendleft" => {
                if let Some(r) = receiver {
                    self.grow(Some(r), first);
                }
                Cost::constant()
            }
            "extend" | "update" => {
                let n = arg_size(self);
                if let Some(r) = receiver {
                    self.grow_by(r, &n);
                }
                n
            }
            "pop" if c.args.first().is_some_and(is_zero) => receiver_size(self),
            "insert" if c.args.first().is_some_and(is_zero) => receiver_size(self),
            "remove" | "discard"
                if receiver
                    .is_some_and(|r| self.lookup_root(r).is_some_and(|v| v.kind == Kind::Hash)) =>
            {
                Cost::constant()
            }
            "remove" | "index" | "count" | "reverse" => receiver_size(self),
            "copy" | "split" | "lower" | "upper" | "strip" | "replace" | "find" => {
                let n = receiver_size(self);
                if name == "copy" || name == "split" {
                    self.alloc(&n);
                }
                n
            }
            "join" => {
                let n = arg_size(self);
                self.alloc(&n);
                n
            }
            "len" | "print" | "range" | "enumerate" | "zip" | "reversed" | "abs" | "int"
            | "float" | "ord" | "chr" | "isinstance" | "divmod" | "pow" | "hash" | "id"
            | "bool" | "get" | "setdefault" | "popleft" | "pop" | "items" | "keys" | "values"
            | "iter" | "next" | "isqrt" | "sqrt" | "floor" | "ceil" | "log" | "log2" | "gcd"
            | "defaultdict" | "isdigit" | "isalpha" | "isalnum" => Cost::constant(),
            n if LINEAR_BUILTINS.contains(&n) && receiver.is_none() && c.args.len() == 1 => {
                let arg_is_comprehension = matches!(
                    first,
                    Some(Expr::GeneratorExp(_) | Expr::ListComp(_) | Expr::SetComp(_))
                );
                let size = arg_size(self);
                if matches!(
                    n,
                    "list" | "set" | "tuple" | "dict" | "Counter" | "deque" | "frozenset"
                ) {
                    self.alloc(&size);
                }
                if arg_is_comprehension {
                    Cost::constant()
                } else {
                    size
                }
            }
            other => self.user_call_cost(other, c),
        };
        f.time = f.time.add(&extra);
        f
    }

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

fn is_zero(e: &Expr) -> bool {
    matches!(e, Expr::Constant(k) if matches!(&k.value, Constant::Int(i) if i.to_string() == "0"))
}
