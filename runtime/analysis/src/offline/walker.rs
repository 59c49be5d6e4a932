//! The analyzer's state and its walk over statements: scopes, allocations, and the costs of
//! straight-line code, branches and assignments. Loops live in `loops.rs`, functions and
//! recursion in `recursion.rs`, expressions in `exprs.rs`.

use std::collections::{BTreeSet, HashMap, HashSet};

use rustpython_parser::ast::{Expr, Operator, Stmt, StmtFunctionDef};

use super::recursion::{FnFrame, Shrink, Summary};
use super::scope::{Kind, Symbols, Var};
use super::visit::{call_name, name_of, root_name, target_names};
use crate::notation::Cost;
use crate::patterns::Pattern;

/// Time of a piece of code plus how many times it calls the function being analysed
/// (sequences add, exclusive branches take the larger).
#[derive(Clone, Debug, Default)]
pub(crate) struct Flow {
    pub(crate) time: Cost,
    pub(crate) calls: u32,
}

impl Flow {
    /// This code followed by `next`.
    pub(crate) fn seq(self, next: Flow) -> Flow {
        Flow {
            time: self.time.add(&next.time),
            calls: self.calls + next.calls,
        }
    }

    /// Either this code or `other`, never both.
    pub(crate) fn alt(self, other: Flow) -> Flow {
        Flow {
            time: self.time.max(&other.time),
            calls: self.calls.max(other.calls),
        }
    }
}

/// One enclosing loop: how many times its body runs (for time and for growth of collections) and
/// which names its body rebinds (a pointer rebound per iteration is not amortised).
#[derive(Clone, Debug)]
pub(crate) struct LoopFrame {
    pub(crate) time: Cost,
    pub(crate) space: Cost,
    pub(crate) assigned: HashSet<String>,
}

/// A function definition the walk can call into, with the scope depth it closes over.
#[derive(Clone, Copy)]
pub(crate) struct FuncDef<'a> {
    pub(crate) def: &'a StmtFunctionDef,
    pub(crate) scope_depth: usize,
}

/// Evidence for the narrative, in the order it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Note {
    /// Something about running time.
    Time(String),
    /// Something about memory.
    Space(String),
}

/// The whole analysis state for one module.
pub(crate) struct Walker<'a> {
    pub(crate) scopes: Vec<HashMap<String, Var>>,
    pub(crate) funcs: HashMap<String, FuncDef<'a>>,
    pub(crate) summaries: HashMap<String, Summary>,
    pub(crate) in_progress: HashSet<String>,
    pub(crate) symbols: Symbols,
    pub(crate) loops: Vec<LoopFrame>,
    pub(crate) frame: FnFrame,
    pub(crate) space: Cost,
    pub(crate) patterns: BTreeSet<Pattern>,
    pub(crate) notes: Vec<Note>,
    pub(crate) graph_adjacency: Option<String>,
}

impl<'a> Walker<'a> {
    pub(crate) fn new() -> Self {
        Walker {
            scopes: vec![HashMap::new()],
            funcs: HashMap::new(),
            summaries: HashMap::new(),
            in_progress: HashSet::new(),
            symbols: Symbols::default(),
            loops: Vec::new(),
            frame: FnFrame::module(),
            space: Cost::constant(),
            patterns: BTreeSet::new(),
            notes: Vec::new(),
            graph_adjacency: None,
        }
    }

    pub(crate) fn note_time(&mut self, text: String) {
        let n = Note::Time(text);
        if !self.notes.contains(&n) && self.notes.len() < 24 {
            self.notes.push(n);
        }
    }

    pub(crate) fn note_space(&mut self, text: String) {
        let n = Note::Space(text);
        if !self.notes.contains(&n) && self.notes.len() < 24 {
            self.notes.push(n);
        }
    }

    pub(crate) fn push_scope(&mut self) {
        self.scopes.push(HashMap::new());
    }

    pub(crate) fn pop_scope(&mut self) {
        if self.scopes.len() > 1 {
            self.scopes.pop();
        }
    }

    /// Binds a name in the innermost scope.
    pub(crate) fn bind(&mut self, name: &str, var: Var) {
        if let Some(s) = self.scopes.last_mut() {
            s.insert(name.to_string(), var);
        }
    }

    /// Updates a name where it is bound (or binds it in the innermost scope).
    pub(crate) fn rebind(&mut self, name: &str, var: Var) {
        for s in self.scopes.iter_mut().rev() {
            if let Some(slot) = s.get_mut(name) {
                *slot = var;
                return;
            }
        }
        self.bind(name, var);
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<Var> {
        self.lookup_with_depth(name).map(|(v, _)| v)
    }

    /// A variable and the index of the scope that binds it.
    pub(crate) fn lookup_with_depth(&self, name: &str) -> Option<(Var, usize)> {
        self.scopes
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, s)| s.get(name).map(|v| (v.clone(), i)))
    }

    pub(crate) fn lookup_root(&self, e: &Expr) -> Option<Var> {
        root_name(e).and_then(|n| self.lookup(n))
    }

    /// Records that memory of this size is live at some point.
    pub(crate) fn alloc(&mut self, size: &Cost) {
        self.space = self.space.max(size);
    }

    /// A name with no binding used as a size (module-level `n`): it gets a size symbol.
    pub(crate) fn global_size(&mut self, name: &str) -> Cost {
        if self.funcs.contains_key(name) || name == "self" {
            return Cost::constant();
        }
        let sym = self.symbols.fresh(name);
        let c = Cost::linear(&sym);
        self.scopes[0].insert(name.to_string(), Var::scalar(c.clone(), 0));
        c
    }

    /// The size of an element of a collection (`len(grid[0])`), a new symbol the first time.
    pub(crate) fn elem_symbol(&mut self, root: &str) -> Cost {
        if let Some(mut v) = self.lookup(root) {
            if let Some(e) = &v.elem {
                return e.clone();
            }
            if v.kind == Kind::Scalar {
                return Cost::constant();
            }
            let sym = self.symbols.fresh("m");
            let c = Cost::linear(&sym);
            v.elem = Some(c.clone());
            self.rebind(root, v);
            return c;
        }
        Cost::constant()
    }

    /// Product of the iteration counts of the loops entered since `depth`.
    pub(crate) fn loop_product(&self, depth: usize, for_space: bool) -> Cost {
        let start = depth.max(self.frame.loop_base).min(self.loops.len());
        self.loops[start..].iter().fold(Cost::constant(), |acc, l| {
            acc.mul(if for_space { &l.space } else { &l.time })
        })
    }

    /// A collection gains one element (`append`, `add`, `heappush`).
    pub(crate) fn grow(&mut self, receiver: Option<&Expr>, elem: Option<&Expr>) {
        let elem_size = match elem {
            Some(e) => {
                let v = self.value_size(e);
                if v.kind == Kind::Scalar {
                    Cost::constant()
                } else {
                    v.size
                }
            }
            None => Cost::constant(),
        };
        if let Some(r) = receiver {
            self.grow_by(r, &elem_size);
        }
    }

    /// A collection gains `amount` (per execution of the current statement).
    pub(crate) fn grow_by(&mut self, receiver: &Expr, amount: &Cost) {
        let root = match receiver {
            Expr::Call(c) => match &*c.func {
                Expr::Attribute(a) => root_name(&a.value),
                _ => None,
            },
            other => root_name(other),
        };
        let Some(root) = root else {
            return;
        };
        if root == "self" {
            let n = self.primary();
            self.alloc(&n.mul(amount));
            return;
        }
        let Some((mut var, depth)) = self.lookup_with_depth(root) else {
            return;
        };
        if var.kind == Kind::Scalar && !matches!(receiver, Expr::Name(_)) {
            return;
        }
        let outer = depth < self.frame.scope_base || self.frame.params.iter().any(|p| p == root);
        let mult = if outer {
            self.loop_product(self.frame.loop_base, true)
        } else {
            self.loop_product(var.loop_depth, true)
        };
        let total = mult.mul(amount);
        if outer && self.frame.name.is_some() {
            self.frame.outer_appends.push(total.clone());
        } else {
            self.alloc(&total.add(&var.size));
        }
        if matches!(receiver, Expr::Name(_)) && !outer {
            var.size = var.size.max(&total);
            self.rebind(root, var);
        }
    }

    /// The first size symbol of the current function, or `n`.
    pub(crate) fn primary(&self) -> Cost {
        Cost::linear(self.symbols.primary().unwrap_or("n"))
    }

    /// Time of a block of statements.
    pub(crate) fn block(&mut self, stmts: &'a [Stmt]) -> Flow {
        let mut f = Flow::default();
        for s in stmts {
            f = f.seq(self.stmt(s));
        }
        f
    }

    fn stmt(&mut self, s: &'a Stmt) -> Flow {
        match s {
            Stmt::FunctionDef(d) => {
                self.funcs.insert(
                    d.name.to_string(),
                    FuncDef {
                        def: d,
                        scope_depth: self.scopes.len() - 1,
                    },
                );
                Flow::default()
            }
            Stmt::AsyncFunctionDef(_)
            | Stmt::ClassDef(_)
            | Stmt::Import(_)
            | Stmt::ImportFrom(_) => Flow::default(),
            Stmt::Return(r) => match &r.value {
                Some(v) => self.expr(v),
                None => Flow::default(),
            },
            Stmt::Assign(a) => {
                let f = self.expr(&a.value);
                for t in &a.targets {
                    self.assign(t, &a.value);
                }
                f
            }
            Stmt::AnnAssign(a) => match &a.value {
                Some(v) => {
                    let f = self.expr(v);
                    self.assign(&a.target, v);
                    f
                }
                None => Flow::default(),
            },
            Stmt::AugAssign(a) => {
                let f = self.expr(&a.value).seq(self.expr(&a.target));
                if matches!(a.op, Operator::Add) {
                    let v = self.value_size(&a.value);
                    if v.kind != Kind::Scalar {
                        let amount = if v.size.is_constant() {
                            Cost::constant()
                        } else {
                            v.size
                        };
                        self.grow_by(&a.target, &amount);
                        return Flow {
                            time: f.time.add(&amount),
                            calls: f.calls,
                        };
                    }
                }
                f
            }
            Stmt::For(x) => self.for_loop(&x.target, &x.iter, &x.body, &x.orelse),
            Stmt::While(x) => self.while_loop(&x.test, &x.body, &x.orelse),
            Stmt::If(x) => {
                let t = self.expr(&x.test);
                let a = self.block(&x.body);
                let b = self.block(&x.orelse);
                t.seq(a.alt(b))
            }
            Stmt::With(x) => {
                let mut f = Flow::default();
                for i in &x.items {
                    f = f.seq(self.expr(&i.context_expr));
                }
                f.seq(self.block(&x.body))
            }
            Stmt::Try(x) => {
                let mut f = self.block(&x.body);
                for rustpython_parser::ast::ExceptHandler::ExceptHandler(h) in &x.handlers {
                    f = f.seq(self.block(&h.body));
                }
                f.seq(self.block(&x.orelse)).seq(self.block(&x.finalbody))
            }
            Stmt::Match(x) => {
                let mut f = self.expr(&x.subject);
                let mut cases = Flow::default();
                for c in &x.cases {
                    cases = cases.alt(self.block(&c.body));
                }
                f = f.seq(cases);
                f
            }
            Stmt::Expr(x) => self.expr(&x.value),
            Stmt::Raise(x) => match &x.exc {
                Some(e) => self.expr(e),
                None => Flow::default(),
            },
            Stmt::Assert(x) => self.expr(&x.test),
            _ => Flow::default(),
        }
    }

    fn assign(&mut self, target: &'a Expr, value: &'a Expr) {
        let depth = self.loops.len();
        match target {
            Expr::Name(n) => {
                let mut v = self.value_size(value);
                v.loop_depth = depth;
                if v.kind != Kind::Scalar {
                    self.alloc(&v.size);
                }
                if let Some(h) = self.shrink_hint(value) {
                    self.frame.shrink_hints.insert(n.id.to_string(), h);
                }
                self.bind(n.id.as_str(), v);
            }
            Expr::Tuple(t) => {
                let values: Option<&Vec<Expr>> = match value {
                    Expr::Tuple(v) => Some(&v.elts),
                    Expr::List(v) => Some(&v.elts),
                    _ => None,
                };
                match values {
                    Some(vals) if vals.len() == t.elts.len() => {
                        for (tt, vv) in t.elts.iter().zip(vals) {
                            self.assign(tt, vv);
                        }
                    }
                    _ => {
                        for name in target_names(target) {
                            self.bind(name, Var::scalar(Cost::constant(), depth));
                        }
                    }
                }
            }
            Expr::Attribute(a) if name_of(&a.value) == Some("self") => {
                let mut v = self.value_size(value);
                v.loop_depth = depth;
                let key = format!("self.{}", a.attr.as_str());
                self.bind(&key, v);
            }
            Expr::Subscript(s) => {
                let Some(root) = root_name(&s.value) else {
                    return;
                };
                let reads_itself = super::visit::expr_children(value).iter().any(|c| {
                    let mut found = false;
                    super::visit::walk_expr(c, &mut |e| {
                        if let Expr::Subscript(x) = e {
                            if root_name(&x.value) == Some(root) {
                                found = true;
                            }
                        }
                    });
                    found
                }) || matches!(value, Expr::Subscript(x) if root_name(&x.value) == Some(root));
                if let Some(var) = self.lookup(root) {
                    if var.kind == Kind::Hash {
                        self.frame.memo_writes.insert(root.to_string());
                        self.grow_by(&s.value, &Cost::constant());
                    } else if reads_itself && !self.loops.is_empty() {
                        self.patterns.insert(Pattern::DynamicProgramming);
                    }
                }
            }
            _ => {}
        }
    }

    /// How a value assigned to a name relates to the function's input, for recursion arguments
    /// passed through a variable (`mid = (lo + hi) // 2`, `rest = nums[1:]`).
    fn shrink_hint(&self, value: &Expr) -> Option<Shrink> {
        match value {
            Expr::BinOp(b)
                if matches!(b.op, Operator::FloorDiv | Operator::RShift | Operator::Div) =>
            {
                Some(Shrink::Div)
            }
            Expr::BinOp(b) if matches!(b.op, Operator::Add) => {
                if let Expr::BinOp(inner) = &*b.right {
                    if matches!(inner.op, Operator::FloorDiv | Operator::RShift) {
                        return Some(Shrink::Div);
                    }
                }
                Some(Shrink::Sub)
            }
            Expr::ListComp(c) if c.generators.iter().any(|g| !g.ifs.is_empty()) => {
                Some(Shrink::Div)
            }
            Expr::Subscript(s) => match &*s.slice {
                Expr::Slice(sl) => {
                    let named = |b: &Option<Box<Expr>>| {
                        b.as_deref()
                            .is_some_and(|e| !matches!(e, Expr::Constant(_) | Expr::UnaryOp(_)))
                    };
                    if named(&sl.lower) || named(&sl.upper) {
                        Some(Shrink::Div)
                    } else {
                        Some(Shrink::Sub)
                    }
                }
                _ => None,
            },
            Expr::Call(c) if call_name(&c.func) == Some("len") => None,
            _ => None,
        }
    }
}
