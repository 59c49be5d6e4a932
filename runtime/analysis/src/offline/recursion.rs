//! Functions: their parameters become size symbols, calls to them cost their summary (in the
//! caller's sizes), and self-calls are solved as recurrences: how many self-calls one invocation
//! makes and how the argument shrinks (`n - 1`, `n // 2`, a child node, a neighbour), with
//! memoization turning the call tree into a table of states.

use std::collections::{HashMap, HashSet};

use rustpython_parser::ast::{Expr, ExprCall, Operator, Stmt};

use super::visit::{call_name, name_of, root_name, walk_block_exprs, walk_stmts};
use super::walker::Walker;
use crate::notation::Cost;
use crate::patterns::Pattern;

/// How a recursive call's argument relates to the parameter it replaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Shrink {
    /// The same value: no progress on this argument.
    Same,
    /// Smaller by a constant (`n - 1`, `i + 1`, `nums[1:]`).
    Sub,
    /// A neighbour in a graph.
    Graph,
    /// A child of a tree node (`node.left`).
    Tree,
    /// A fraction (`n // 2`, `arr[:mid]`).
    Div,
}

/// One self-call seen while walking a function body.
#[derive(Clone, Debug)]
pub(crate) struct SelfCall {
    shrink: Shrink,
    in_loop: bool,
    from_loop_index: bool,
    shrinking_params: Vec<usize>,
}

/// The function being walked.
#[derive(Clone, Debug, Default)]
pub(crate) struct FnFrame {
    pub(crate) name: Option<String>,
    pub(crate) params: Vec<String>,
    pub(crate) scope_base: usize,
    pub(crate) loop_base: usize,
    pub(crate) self_calls: Vec<SelfCall>,
    pub(crate) outer_appends: Vec<Cost>,
    pub(crate) memo_writes: HashSet<String>,
    pub(crate) shrink_hints: HashMap<String, Shrink>,
    pub(crate) adjacency: HashSet<String>,
    loop_targets: HashSet<String>,
}

impl FnFrame {
    pub(crate) fn module() -> Self {
        FnFrame::default()
    }
}

/// A function's cost in its own parameter symbols.
#[derive(Clone, Debug)]
pub(crate) struct Summary {
    pub(crate) time: Cost,
    pub(crate) space: Cost,
    params: Vec<Option<String>>,
}

impl<'a> Walker<'a> {
    pub(crate) fn is_self_call(&self, func: &Expr) -> bool {
        let Some(me) = &self.frame.name else {
            return false;
        };
        match func {
            Expr::Name(n) => n.id.as_str() == me,
            Expr::Attribute(a) => a.attr.as_str() == me && name_of(&a.value) == Some("self"),
            _ => false,
        }
    }

    pub(crate) fn record_self_call(&mut self, c: &ExprCall) {
        let mut shrink = Shrink::Same;
        let mut shrinking = Vec::new();
        let mut from_loop_index = false;
        for (i, arg) in c.args.iter().enumerate() {
            let param = self.frame.params.get(i).cloned().unwrap_or_default();
            let s = self.classify_arg(arg, &param);
            if s != Shrink::Same {
                shrinking.push(i);
            }
            if let Expr::BinOp(b) = arg {
                if matches!(b.op, Operator::Add)
                    && name_of(&b.left).is_some_and(|n| self.frame.loop_targets.contains(n))
                {
                    from_loop_index = true;
                }
            }
            shrink = shrink.max(s);
        }
        let in_loop = self.loops[self.frame.loop_base.min(self.loops.len())..]
            .iter()
            .any(|l| !l.time.is_constant());
        self.frame.self_calls.push(SelfCall {
            shrink,
            in_loop,
            from_loop_index,
            shrinking_params: shrinking,
        });
    }

    fn classify_arg(&self, arg: &Expr, param: &str) -> Shrink {
        match arg {
            Expr::BinOp(b) => match b.op {
                Operator::FloorDiv | Operator::Div | Operator::RShift => Shrink::Div,
                Operator::Sub | Operator::Add => {
                    let l = self.classify_arg(&b.left, param);
                    if l == Shrink::Div
                        || name_of(&b.left)
                            .is_some_and(|n| self.frame.shrink_hints.get(n) == Some(&Shrink::Div))
                    {
                        Shrink::Div
                    } else {
                        Shrink::Sub
                    }
                }
                _ => Shrink::Same,
            },
            Expr::Name(n) => {
                let n = n.id.as_str();
                if n == param {
                    Shrink::Same
                } else if let Some(h) = self.frame.shrink_hints.get(n) {
                    *h
                } else if self.frame.params.iter().any(|p| p == n) {
                    Shrink::Same
                } else {
                    Shrink::Sub
                }
            }
            Expr::Subscript(s) => match &*s.slice {
                Expr::Slice(sl) => {
                    let named = |b: &Option<Box<Expr>>| {
                        b.as_deref()
                            .is_some_and(|e| !matches!(e, Expr::Constant(_) | Expr::UnaryOp(_)))
                    };
                    if named(&sl.lower) || named(&sl.upper) {
                        Shrink::Div
                    } else {
                        Shrink::Sub
                    }
                }
                _ => Shrink::Same,
            },
            Expr::Attribute(a) => match a.attr.as_str() {
                "left" | "right" => Shrink::Tree,
                "next" => Shrink::Sub,
                _ => Shrink::Same,
            },
            _ => Shrink::Same,
        }
    }

    /// Cost of calling a user-defined function, in the caller's sizes.
    pub(crate) fn user_call_cost(&mut self, name: &str, c: &ExprCall) -> Cost {
        if !self.funcs.contains_key(name) {
            return Cost::constant();
        }
        let Some(summary) = self.summary(name) else {
            return Cost::constant();
        };
        let mut map = Vec::new();
        for (i, p) in summary.params.iter().enumerate() {
            if let Some(sym) = p {
                let size = c
                    .args
                    .get(i)
                    .map(|a| self.size_of(a))
                    .unwrap_or_else(|| Cost::linear(sym));
                map.push((sym.clone(), size));
            }
        }
        let space = summary.space.substitute(&map);
        self.alloc(&space);
        summary.time.substitute(&map)
    }

    /// The summary of a function, computed once.
    pub(crate) fn summary(&mut self, name: &str) -> Option<Summary> {
        if let Some(s) = self.summaries.get(name) {
            return Some(s.clone());
        }
        if self.in_progress.contains(name) {
            return None;
        }
        let def = *self.funcs.get(name)?;
        self.in_progress.insert(name.to_string());
        let s = self.compute_summary(name, def);
        self.in_progress.remove(name);
        self.summaries.insert(name.to_string(), s.clone());
        Some(s)
    }

    fn compute_summary(&mut self, name: &str, def: super::walker::FuncDef<'a>) -> Summary {
        let saved_scopes_tail = self
            .scopes
            .split_off((def.scope_depth + 1).min(self.scopes.len()));
        let nested = def.scope_depth > 0;
        let saved_symbols = if nested {
            self.symbols.clone()
        } else {
            std::mem::take(&mut self.symbols)
        };
        let saved_loops = std::mem::take(&mut self.loops);
        let saved_space = std::mem::take(&mut self.space);
        let saved_graph = self.graph_adjacency.take();
        let params: Vec<String> = def
            .def
            .args
            .posonlyargs
            .iter()
            .chain(def.def.args.args.iter())
            .map(|a| a.def.arg.to_string())
            .filter(|p| p != "self" && p != "cls")
            .collect();
        let saved_frame = std::mem::replace(
            &mut self.frame,
            FnFrame {
                name: Some(name.to_string()),
                params: params.clone(),
                scope_base: self.scopes.len(),
                loop_base: 0,
                ..FnFrame::default()
            },
        );
        self.push_scope();
        let param_syms = self.bind_params(&def.def.body, &params);
        walk_stmts(&def.def.body, &mut |s| {
            if let Stmt::For(f) = s {
                for n in super::visit::target_names(&f.target) {
                    self.frame.loop_targets.insert(n.to_string());
                }
            }
        });
        let flow = self.block(&def.def.body);
        let memo = self.is_memoized(def.def);
        let (time, space) = self.solve(flow.time, flow.calls, memo);
        self.pop_scope();
        self.frame = saved_frame;
        self.graph_adjacency = saved_graph;
        self.space = saved_space;
        self.loops = saved_loops;
        if !nested {
            self.symbols = saved_symbols;
        }
        self.scopes.extend(saved_scopes_tail);
        Summary {
            time,
            space,
            params: param_syms,
        }
    }

    fn is_memoized(&mut self, def: &rustpython_parser::ast::StmtFunctionDef) -> bool {
        let decorated = def.decorator_list.iter().any(|d| {
            let target = match d {
                Expr::Call(c) => &*c.func,
                other => other,
            };
            matches!(call_name(target), Some("lru_cache" | "cache"))
        });
        let mut checks: HashSet<String> = HashSet::new();
        walk_block_exprs(&def.body, &mut |e| {
            if let Expr::Compare(c) = e {
                for (op, right) in c.ops.iter().zip(&c.comparators) {
                    if matches!(op, rustpython_parser::ast::CmpOp::In) {
                        if let Some(n) = root_name(right) {
                            checks.insert(n.to_string());
                        }
                    }
                }
            }
        });
        let dict_cache = self.frame.memo_writes.iter().any(|m| checks.contains(m));
        let memo = decorated || (dict_cache && !self.frame.self_calls.is_empty());
        if memo {
            self.patterns.insert(Pattern::Memoization);
            self.patterns.insert(Pattern::DynamicProgramming);
        }
        memo
    }

    /// Solves the recurrence of the function just walked; returns its time and space.
    fn solve(&mut self, body: Cost, calls: u32, memo: bool) -> (Cost, Cost) {
        let name = self.frame.name.clone().unwrap_or_default();
        let mut space = self.space.clone();
        if self.frame.self_calls.is_empty() {
            for a in std::mem::take(&mut self.frame.outer_appends) {
                space = space.max(&a);
            }
            return (body, space);
        }
        self.patterns.insert(Pattern::Recursion);
        let shrink = self
            .frame
            .self_calls
            .iter()
            .map(|c| c.shrink)
            .max()
            .unwrap_or(Shrink::Sub);
        let shrink = if shrink == Shrink::Same {
            Shrink::Sub
        } else {
            shrink
        };
        let in_loop = self.frame.self_calls.iter().any(|c| c.in_loop);
        let combination = self.frame.self_calls.iter().any(|c| c.from_loop_index);
        let mut shrinking: Vec<usize> = self
            .frame
            .self_calls
            .iter()
            .flat_map(|c| c.shrinking_params.clone())
            .collect();
        shrinking.sort_unstable();
        shrinking.dedup();
        let mut n = Cost::constant();
        let mut states = Cost::constant();
        for i in &shrinking {
            if let Some(p) = self.frame.params.get(*i).cloned() {
                let size = self.lookup(&p).map(|v| v.size).unwrap_or_default();
                n = n.max(&size);
                states = states.mul(&size);
            }
        }
        if n.is_constant() {
            n = self.primary();
            states = n.clone();
        }
        let (time, depth, calls_total) = if memo {
            self.note_time(format!(
                "`{name}` is memoized: each of {} states is computed once",
                states.notation()
            ));
            let depth = if shrink == Shrink::Div {
                n.logarithm()
            } else {
                n.clone()
            };
            (states.mul(&body), depth.max(&states), states.clone())
        } else {
            match shrink {
                Shrink::Graph => {
                    self.patterns.insert(Pattern::DepthFirstSearch);
                    let ve = Cost::linear("V").add(&Cost::linear("E"));
                    (ve.clone(), Cost::linear("V"), Cost::linear("V"))
                }
                Shrink::Tree => {
                    self.patterns.insert(Pattern::DepthFirstSearch);
                    let nodes = Cost::linear("n");
                    self.note_time(format!("`{name}` visits each tree node once"));
                    let outer_n = self.frame.outer_appends.iter().any(|a| !a.is_constant())
                        || !self.frame.outer_appends.is_empty();
                    let depth = if outer_n {
                        Cost::constant()
                    } else {
                        Cost::linear("h")
                    };
                    (nodes.mul(&body), depth, nodes)
                }
                _ if in_loop => {
                    self.patterns.insert(Pattern::Backtracking);
                    let var = n.vars().first().cloned().unwrap_or_else(|| "n".to_string());
                    let m = if combination {
                        Cost::exponential(&var, 2)
                    } else {
                        Cost::factorial(&var)
                    };
                    self.note_time(format!(
                        "`{name}` recurses inside a loop, exploring {} branches",
                        m.notation()
                    ));
                    (m.mul(&body), n.clone(), m)
                }
                Shrink::Div => {
                    let per_level = if calls >= 2 {
                        Cost::linear(n.vars().first().map_or("n", String::as_str))
                    } else {
                        Cost::constant()
                    };
                    if calls >= 2 {
                        self.patterns.insert(Pattern::DivideAndConquer);
                    }
                    let time = if calls >= 2 {
                        if body.is_constant() {
                            n.clone()
                        } else {
                            body.mul(&n.logarithm()).max(&n)
                        }
                    } else if body.is_constant() {
                        n.logarithm()
                    } else {
                        body.clone()
                    };
                    self.note_time(format!(
                        "`{name}` makes {calls} recursive call(s) on a fraction of its input"
                    ));
                    (time, n.logarithm(), per_level)
                }
                _ => {
                    if calls >= 2 {
                        let var = n.vars().first().cloned().unwrap_or_else(|| "n".to_string());
                        let m = Cost::exponential(&var, calls.min(9));
                        self.note_time(format!(
                            "`{name}` calls itself {calls} times on an input one smaller: {} calls",
                            m.notation()
                        ));
                        (m.mul(&body), n.clone(), m)
                    } else {
                        self.note_time(format!(
                            "`{name}` calls itself once on an input one smaller: {} calls",
                            n.notation()
                        ));
                        (n.mul(&body), n.clone(), n.clone())
                    }
                }
            }
        };
        self.note_space(format!(
            "the recursion of `{name}` goes {} deep",
            depth.notation()
        ));
        space = space.max(&depth);
        for a in std::mem::take(&mut self.frame.outer_appends) {
            space = space.max(&calls_total.mul(&a));
        }
        (time, space)
    }
}
