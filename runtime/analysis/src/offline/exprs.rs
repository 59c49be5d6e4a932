//! Costs of expressions: calls with known cost (`sorted`, `heapq`, `in` on a list, slicing),
//! and comprehensions (the sizes they work on are in `sizes.rs`).

use rustpython_parser::ast::{CmpOp, Constant, Expr};

use super::scope::Kind;
use super::visit::{call_name, name_of};
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
}

fn is_zero(e: &Expr) -> bool {
    matches!(e, Expr::Constant(k) if matches!(&k.value, Constant::Int(i) if i.to_string() == "0"))
}
