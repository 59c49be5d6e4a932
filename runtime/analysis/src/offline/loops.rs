//! Loops: how many times a `for` or `while` body runs. `for` counts come from the iterable
//! (`range(n)`, a collection, `enumerate`); `while` loops are classified as worklists (BFS/DFS,
//! Dijkstra), binary searches, halving or doubling loops, two pointers, square-root bounds, or
//! counters; an inner `while` whose pointer is never reset by the outer loop is amortised
//! (sliding window, monotonic stack).

use std::collections::HashSet;

use rustpython_parser::ast::{CmpOp, Expr, Operator, Stmt};

use super::scope::{Kind, Var};
use super::visit::{
    call_name, name_of, root_name, stmt_exprs, target_names, walk_block_exprs, walk_expr,
    walk_stmts,
};
use super::walker::{Flow, LoopFrame, Walker};
use crate::notation::Cost;
use crate::patterns::Pattern;

/// What a `while` loop was recognised as.
enum WhileKind {
    Worklist,
    BinarySearch,
    Geometric,
    TwoPointers,
    SquareRoot,
    Counter,
}

impl<'a> Walker<'a> {
    pub(crate) fn for_loop(
        &mut self,
        target: &'a Expr,
        iter: &'a Expr,
        body: &'a [Stmt],
        orelse: &'a [Stmt],
    ) -> Flow {
        let setup = self.expr(iter);
        let count = self.iter_count(iter);
        self.bind_loop_target(target, iter);
        if !count.is_constant()
            && self
                .loops
                .iter()
                .skip(self.frame.loop_base)
                .any(|l| !l.time.is_constant())
        {
            self.patterns.insert(Pattern::NestedLoops);
        }
        if !count.is_constant() {
            self.note_time(format!("a `for` loop runs {} times", count.notation()));
        }
        self.loops.push(LoopFrame {
            time: count.clone(),
            space: count.clone(),
            assigned: assigned_names(body),
        });
        let inner = self.block(body);
        self.loops.pop();
        let rest = self.block(orelse);
        Flow {
            time: setup.time.add(&count.mul(&inner.time)),
            calls: setup.calls + inner.calls,
        }
        .seq(rest)
    }

    pub(crate) fn while_loop(
        &mut self,
        test: &'a Expr,
        body: &'a [Stmt],
        orelse: &'a [Stmt],
    ) -> Flow {
        let (mut count, mut space_count, kind) = self.while_count(test, body);
        let saved_graph = self.graph_adjacency.clone();
        if matches!(kind, WhileKind::Worklist) {
            if let Some(adj) = adjacency_in(body) {
                self.graph_adjacency = Some(adj);
                count = Cost::linear("V").add(&Cost::linear("E"));
                space_count = Cost::linear("V");
            }
        }
        if self.is_amortized(body) {
            count = Cost::constant();
            space_count = Cost::constant();
            self.note_time("an inner `while` loop only moves a pointer that the outer loop never resets, so its work is amortised over the outer loop".to_string());
        } else if !count.is_constant() {
            let what = match kind {
                WhileKind::Worklist => "a worklist loop processes each item once",
                WhileKind::BinarySearch => "a binary search halves the range each step",
                WhileKind::Geometric => "a loop whose variable is multiplied or divided each step",
                WhileKind::TwoPointers => "two pointers move towards each other",
                WhileKind::SquareRoot => "a loop bounded by `i * i <= n`",
                WhileKind::Counter => "a `while` loop",
            };
            self.note_time(format!("{what}: {} iterations", count.notation()));
        }
        let t = self.expr(test);
        self.loops.push(LoopFrame {
            time: count.clone(),
            space: space_count,
            assigned: assigned_names(body),
        });
        let inner = self.block(body);
        self.loops.pop();
        self.graph_adjacency = saved_graph;
        let rest = self.block(orelse);
        Flow {
            time: count.mul(&inner.time.add(&t.time)),
            calls: inner.calls + t.calls,
        }
        .seq(rest)
    }

    /// Binds the target of a `for` loop or comprehension to what it iterates over.
    pub(crate) fn bind_loop_target(&mut self, target: &Expr, iter: &Expr) {
        let depth = self.loops.len();
        let names = target_names(target);
        let (call, args) = match iter {
            Expr::Call(c) => (call_name(&c.func), &c.args[..]),
            _ => (None, &[][..]),
        };
        match call {
            Some("range") => {
                let n = self.range_count(args);
                for name in names {
                    self.bind(name, Var::scalar(n.clone(), depth));
                }
            }
            Some("enumerate") => {
                let n = args.first().map(|a| self.size_of(a)).unwrap_or_default();
                if let Expr::Tuple(t) = target {
                    if let Some(first) = t.elts.first().and_then(name_of) {
                        self.bind(first, Var::scalar(n, depth));
                    }
                    if let (Some(second), Some(src)) = (t.elts.get(1), args.first()) {
                        self.bind_element(second, src);
                    }
                }
            }
            Some("zip") => {
                if let Expr::Tuple(t) = target {
                    for (tt, src) in t.elts.iter().zip(args) {
                        self.bind_element(tt, src);
                    }
                }
            }
            _ => {
                if let Some(g) = self.graph_adjacency.clone() {
                    if matches!(iter, Expr::Subscript(s) if root_name(&s.value) == Some(g.as_str()))
                    {
                        for name in &names {
                            self.frame
                                .shrink_hints
                                .insert((*name).to_string(), super::recursion::Shrink::Graph);
                        }
                    }
                }
                if let Expr::Subscript(s) = iter {
                    if !matches!(&*s.slice, Expr::Slice(_)) && self.is_adjacency(&s.value) {
                        for name in &names {
                            self.frame
                                .shrink_hints
                                .insert((*name).to_string(), super::recursion::Shrink::Graph);
                        }
                    }
                }
                self.bind_element(target, iter);
            }
        }
    }

    fn is_adjacency(&self, e: &Expr) -> bool {
        root_name(e).is_some_and(|r| self.frame.adjacency.contains(r))
    }

    fn bind_element(&mut self, target: &Expr, src: &Expr) {
        let depth = self.loops.len();
        let elem = match src {
            Expr::Name(n) => self.lookup(n.id.as_str()).and_then(|v| v.elem),
            _ => None,
        };
        let var = match elem {
            Some(e) => Var::collection(Kind::Seq, e, depth),
            None => {
                let mut v = Var::scalar(Cost::constant(), depth);
                v.elem_of = root_name(src).map(str::to_string);
                v
            }
        };
        for name in target_names(target) {
            self.bind(name, var.clone());
        }
    }

    fn while_count(&mut self, test: &Expr, body: &[Stmt]) -> (Cost, Cost, WhileKind) {
        if let Some(q) = worklist_name(test, body) {
            let n = self.worklist_size(body, &q);
            if self.shares_visited_set(body) {
                return (Cost::constant(), Cost::constant(), WhileKind::Worklist);
            }
            return (n.clone(), n, WhileKind::Worklist);
        }
        if descends_tree(body) {
            return (Cost::linear("h"), Cost::constant(), WhileKind::Counter);
        }
        let test_names = names_in(test);
        let magnitude = |w: &mut Walker<'a>| {
            let mut m = Cost::constant();
            walk_expr(test, &mut |e| {
                if matches!(e, Expr::Name(_) | Expr::Call(_) | Expr::Attribute(_)) {
                    m = m.max(&w.size_of(e));
                }
            });
            if m.is_constant() {
                m = w.primary();
            }
            m
        };
        if assigns_midpoint(body) && is_comparison_of_names(test) {
            self.patterns.insert(Pattern::BinarySearch);
            let m = magnitude(self);
            let l = m.logarithm();
            return (l.clone(), l, WhileKind::BinarySearch);
        }
        if squares_in_test(test) {
            let m = magnitude(self);
            let sqrt = match m.vars().first() {
                Some(v) => Cost::power(v, 1),
                None => m,
            };
            return (sqrt.clone(), sqrt, WhileKind::SquareRoot);
        }
        let (geometric, up, down) = updates(body, &test_names);
        if geometric {
            let m = magnitude(self);
            let l = m.logarithm();
            return (l.clone(), l, WhileKind::Geometric);
        }
        let m = magnitude(self);
        if up && down && is_comparison_of_names(test) {
            self.patterns.insert(Pattern::TwoPointers);
            return (m.clone(), m, WhileKind::TwoPointers);
        }
        (m.clone(), m, WhileKind::Counter)
    }

    /// Iterations of a worklist loop: the grid's cells, or the input's size.
    fn worklist_size(&mut self, body: &[Stmt], queue: &str) -> Cost {
        let mut pops = None;
        walk_block_exprs(body, &mut |e| {
            if let Expr::Call(c) = e {
                match call_name(&c.func) {
                    Some("popleft") => pops = Some(Pattern::BreadthFirstSearch),
                    Some("pop") if pops.is_none() => pops = Some(Pattern::DepthFirstSearch),
                    Some("heappop") => pops = Some(Pattern::Heap),
                    _ => {}
                }
            }
        });
        if let Some(p) = pops {
            self.patterns.insert(p);
        }
        let mut grid = None;
        walk_block_exprs(body, &mut |e| {
            if let Expr::Subscript(s) = e {
                if let Expr::Subscript(inner) = &*s.value {
                    if let Some(r) = name_of(&inner.value) {
                        if grid.is_none() && r != queue {
                            grid = Some(r.to_string());
                        }
                    }
                }
            }
        });
        if let Some(g) = grid {
            if let Some(v) = self.lookup(&g) {
                if v.kind != Kind::Scalar {
                    let m = self.elem_symbol(&g);
                    return v.size.mul(&m);
                }
            }
        }
        self.primary()
    }

    /// A worklist nested in loops that marks items in a set bound before those loops visits each
    /// item once over all outer iterations (flood fill of a grid).
    fn shares_visited_set(&self, body: &[Stmt]) -> bool {
        if self.loops.len() <= self.frame.loop_base {
            return false;
        }
        let mut marked = Vec::new();
        walk_block_exprs(body, &mut |e| {
            if let Expr::Call(c) = e {
                if call_name(&c.func) == Some("add") {
                    if let Expr::Attribute(a) = &*c.func {
                        if let Some(n) = name_of(&a.value) {
                            marked.push(n.to_string());
                        }
                    }
                }
            }
        });
        marked.iter().any(|n| {
            self.lookup(n)
                .is_some_and(|v| v.kind == Kind::Hash && v.loop_depth <= self.frame.loop_base)
        })
    }

    /// An inner `while` (inside a `for`) is amortised when every variable it advances is bound
    /// outside the enclosing loop and not rebound by it.
    fn is_amortized(&mut self, body: &[Stmt]) -> bool {
        let Some(outer) = self.loops.last() else {
            return false;
        };
        if self.loops.len() <= self.frame.loop_base || outer.time.is_constant() {
            return false;
        }
        let mut progress: Vec<(String, Pattern)> = Vec::new();
        walk_stmts(body, &mut |s| {
            if let Stmt::AugAssign(a) = s {
                if let Some(n) = name_of(&a.target) {
                    if matches!(a.op, Operator::Add | Operator::Sub) {
                        progress.push((n.to_string(), Pattern::SlidingWindow));
                    }
                }
            }
            for e in stmt_exprs(s) {
                walk_expr(e, &mut |x| {
                    if let Expr::Call(c) = x {
                        if matches!(call_name(&c.func), Some("pop" | "popleft"))
                            && c.args.is_empty()
                        {
                            if let Expr::Attribute(a) = &*c.func {
                                if let Some(n) = name_of(&a.value) {
                                    progress.push((n.to_string(), Pattern::MonotonicStack));
                                }
                            }
                        }
                    }
                });
            }
        });
        if progress.is_empty() {
            return false;
        }
        let amortized = progress.iter().all(|(n, _)| {
            !outer.assigned.contains(n)
                && self
                    .lookup(n)
                    .is_some_and(|v| v.loop_depth < self.loops.len())
        });
        if amortized {
            for (_, p) in &progress {
                self.patterns.insert(*p);
            }
        }
        amortized
    }
}

/// Names rebound by plain assignment anywhere in a loop body.
fn assigned_names(body: &[Stmt]) -> HashSet<String> {
    let mut out = HashSet::new();
    walk_stmts(body, &mut |s| {
        if let Stmt::Assign(a) = s {
            for t in &a.targets {
                for n in target_names(t) {
                    out.insert(n.to_string());
                }
            }
        }
    });
    out
}

fn names_in(e: &Expr) -> HashSet<String> {
    let mut out = HashSet::new();
    walk_expr(e, &mut |x| {
        if let Some(n) = name_of(x) {
            out.insert(n.to_string());
        }
    });
    out
}

/// `while queue:` / `while stack and ...:` / `while len(heap) > 0:` with a pop in the body.
fn worklist_name(test: &Expr, body: &[Stmt]) -> Option<String> {
    let candidate = match test {
        Expr::Name(n) => Some(n.id.to_string()),
        Expr::BoolOp(b) => b.values.first().and_then(name_of).map(str::to_string),
        Expr::Compare(c) => match &*c.left {
            Expr::Call(call) if call_name(&call.func) == Some("len") => {
                call.args.first().and_then(name_of).map(str::to_string)
            }
            _ => None,
        },
        _ => None,
    }?;
    let mut pops = false;
    walk_block_exprs(body, &mut |e| {
        if let Expr::Call(c) = e {
            let name = call_name(&c.func);
            let on_candidate = match &*c.func {
                Expr::Attribute(a) => name_of(&a.value) == Some(candidate.as_str()),
                _ => c.args.first().and_then(name_of) == Some(candidate.as_str()),
            };
            if on_candidate && matches!(name, Some("pop" | "popleft" | "heappop")) {
                pops = true;
            }
        }
    });
    pops.then_some(candidate)
}

/// The adjacency collection iterated in a worklist body (`for v in graph[u]`).
fn adjacency_in(body: &[Stmt]) -> Option<String> {
    let mut found = None;
    walk_stmts(body, &mut |s| {
        if let Stmt::For(f) = s {
            if let Expr::Subscript(sub) = &*f.iter {
                if name_of(&sub.slice).is_some() {
                    if let Some(r) = name_of(&sub.value) {
                        found.get_or_insert_with(|| r.to_string());
                    }
                }
            }
        }
    });
    found
}

/// `node = node.left` / `node.right`: walking down a tree, one level per step.
fn descends_tree(body: &[Stmt]) -> bool {
    let mut found = false;
    walk_stmts(body, &mut |s| {
        if let Stmt::Assign(a) = s {
            if let Expr::Attribute(at) = &*a.value {
                if matches!(at.attr.as_str(), "left" | "right") {
                    found = true;
                }
            }
        }
    });
    found
}

/// Whether a body computes a midpoint, `mid = (lo + hi) // 2` or `lo + (hi - lo) // 2`.
fn assigns_midpoint(body: &[Stmt]) -> bool {
    let mut found = false;
    walk_stmts(body, &mut |s| {
        if let Stmt::Assign(a) = s {
            if is_midpoint(&a.value) {
                found = true;
            }
        }
    });
    found
}

fn is_midpoint(e: &Expr) -> bool {
    match e {
        Expr::BinOp(b) if matches!(b.op, Operator::FloorDiv | Operator::RShift | Operator::Div) => {
            matches!(&*b.left, Expr::BinOp(inner) if matches!(inner.op, Operator::Add))
        }
        Expr::BinOp(b) if matches!(b.op, Operator::Add) => {
            is_midpoint(&b.right)
                || {
                    matches!(&*b.right, Expr::BinOp(r) if matches!(r.op, Operator::FloorDiv | Operator::RShift))
                }
        }
        Expr::Call(c) if call_name(&c.func) == Some("int") => {
            c.args.first().is_some_and(is_midpoint)
        }
        _ => false,
    }
}

fn is_comparison_of_names(test: &Expr) -> bool {
    match test {
        Expr::Compare(c) => {
            c.ops.len() == 1
                && matches!(
                    c.ops[0],
                    CmpOp::Lt | CmpOp::LtE | CmpOp::Gt | CmpOp::GtE | CmpOp::NotEq
                )
                && !matches!(&*c.left, Expr::Constant(_))
                && !matches!(c.comparators.first(), Some(Expr::Constant(_)))
        }
        Expr::BoolOp(b) => b.values.first().is_some_and(is_comparison_of_names),
        _ => false,
    }
}

/// `while i * i <= n` or `while i ** 2 <= n`.
fn squares_in_test(test: &Expr) -> bool {
    let Expr::Compare(c) = test else {
        return false;
    };
    match &*c.left {
        Expr::BinOp(b) if matches!(b.op, Operator::Mult) => {
            matches!((name_of(&b.left), name_of(&b.right)), (Some(x), Some(y)) if x == y)
        }
        Expr::BinOp(b) if matches!(b.op, Operator::Pow) => name_of(&b.left).is_some(),
        _ => false,
    }
}

/// How the variables of a loop test change in the body: (any multiplied/divided, any increased,
/// any decreased).
fn updates(body: &[Stmt], names: &HashSet<String>) -> (bool, bool, bool) {
    let (mut geo, mut up, mut down) = (false, false, false);
    walk_stmts(body, &mut |s| match s {
        Stmt::AugAssign(a) if name_of(&a.target).is_some_and(|n| names.contains(n)) => match a.op {
            Operator::FloorDiv
            | Operator::Div
            | Operator::RShift
            | Operator::Mult
            | Operator::LShift => geo = true,
            Operator::Add => up = true,
            Operator::Sub => down = true,
            _ => {}
        },
        Stmt::Assign(a) => {
            if let (Some(Expr::Tuple(_)), Expr::Tuple(vals)) = (a.targets.first(), &*a.value) {
                if vals
                    .elts
                    .iter()
                    .any(|v| matches!(v, Expr::BinOp(b) if matches!(b.op, Operator::Mod)))
                {
                    geo = true;
                }
            }
            for t in &a.targets {
                for n in target_names(t) {
                    if !names.contains(n) {
                        continue;
                    }
                    if let Expr::BinOp(b) = &*a.value {
                        let self_ref = name_of(&b.left) == Some(n);
                        match b.op {
                            Operator::FloorDiv
                            | Operator::Div
                            | Operator::RShift
                            | Operator::Mult
                            | Operator::LShift
                                if self_ref =>
                            {
                                geo = true
                            }
                            Operator::Add => up = true,
                            Operator::Sub => down = true,
                            _ => {}
                        }
                    }
                }
            }
        }
        _ => {}
    });
    (geo, up, down)
}
