//! A function's parameters as size symbols: each parameter gets a kind (a collection, a number, a
//! graph's adjacency, an index into another parameter, a cache) and a size from how the body
//! uses it, so a call can be costed in the caller's sizes.

use std::collections::{HashMap, HashSet};

use rustpython_parser::ast::{Expr, Operator, Stmt};

use super::scope::{Kind, Var};
use super::visit::{call_name, name_of, walk_block_exprs, walk_stmts};
use super::walker::Walker;
use crate::notation::Cost;

impl<'a> Walker<'a> {
    /// Gives each parameter a kind and size from how the body uses it.
    pub(super) fn bind_params(
        &mut self,
        body: &'a [Stmt],
        params: &[String],
    ) -> Vec<Option<String>> {
        let mut collection: HashSet<String> = HashSet::new();
        let mut numeric: HashSet<String> = HashSet::new();
        let mut adjacency: HashSet<String> = HashSet::new();
        let mut index_of: HashMap<String, String> = HashMap::new();
        let mut hashes: HashSet<String> = HashSet::new();
        walk_stmts(body, &mut |s| {
            if let Stmt::For(f) = s {
                match &*f.iter {
                    Expr::Name(n) => {
                        collection.insert(n.id.to_string());
                    }
                    Expr::Subscript(sub) => {
                        if let Some(r) = name_of(&sub.value) {
                            if name_of(&sub.slice).is_some() {
                                adjacency.insert(r.to_string());
                            }
                        }
                    }
                    _ => {}
                }
            }
        });
        walk_block_exprs(body, &mut |e| match e {
            Expr::ListComp(_) | Expr::SetComp(_) | Expr::GeneratorExp(_) | Expr::DictComp(_) => {
                let gens = match e {
                    Expr::ListComp(x) => &x.generators,
                    Expr::SetComp(x) => &x.generators,
                    Expr::GeneratorExp(x) => &x.generators,
                    Expr::DictComp(x) => &x.generators,
                    _ => return,
                };
                for g in gens {
                    if let Some(n) = name_of(&g.iter) {
                        collection.insert(n.to_string());
                    }
                }
            }
            Expr::Call(c) => {
                let name = call_name(&c.func);
                match name {
                    Some(
                        "len" | "sorted" | "enumerate" | "zip" | "sum" | "list" | "set" | "heapify"
                        | "reversed",
                    ) => {
                        for a in &c.args {
                            if let Some(n) = name_of(a) {
                                collection.insert(n.to_string());
                            }
                        }
                    }
                    Some("range") => {
                        for a in &c.args {
                            super::visit::walk_expr(a, &mut |x| {
                                if let Some(n) = name_of(x) {
                                    numeric.insert(n.to_string());
                                }
                            });
                        }
                    }
                    _ => {}
                }
                if let Expr::Attribute(a) = &*c.func {
                    if let Some(n) = name_of(&a.value) {
                        if matches!(
                            a.attr.as_str(),
                            "append" | "pop" | "sort" | "index" | "count" | "add" | "get"
                        ) {
                            collection.insert(n.to_string());
                        }
                    }
                }
            }
            Expr::Subscript(s) => {
                if let Some(n) = name_of(&s.value) {
                    collection.insert(n.to_string());
                    let idx = match &*s.slice {
                        Expr::Slice(sl) => sl.lower.as_deref().or(sl.upper.as_deref()),
                        other => Some(other),
                    };
                    if let Some(idx) = idx {
                        let idx_name = match idx {
                            Expr::Name(x) => Some(x.id.as_str()),
                            Expr::BinOp(b) => name_of(&b.left),
                            _ => None,
                        };
                        if let Some(i) = idx_name {
                            index_of
                                .entry(i.to_string())
                                .or_insert_with(|| n.to_string());
                        }
                    }
                }
            }
            Expr::Compare(c) => {
                for (op, right) in c.ops.iter().zip(&c.comparators) {
                    if matches!(
                        op,
                        rustpython_parser::ast::CmpOp::In | rustpython_parser::ast::CmpOp::NotIn
                    ) {
                        if let Some(n) = name_of(right) {
                            collection.insert(n.to_string());
                        }
                    } else if let Some(n) = name_of(&c.left) {
                        if !matches!(right, Expr::Constant(_))
                            || matches!(
                                op,
                                rustpython_parser::ast::CmpOp::Lt
                                    | rustpython_parser::ast::CmpOp::LtE
                                    | rustpython_parser::ast::CmpOp::Gt
                                    | rustpython_parser::ast::CmpOp::GtE
                                    | rustpython_parser::ast::CmpOp::Eq
                            )
                        {
                            numeric.insert(n.to_string());
                        }
                    }
                }
            }
            Expr::BinOp(b)
                if matches!(
                    b.op,
                    Operator::Sub | Operator::FloorDiv | Operator::RShift | Operator::Mult
                ) =>
            {
                if let Some(n) = name_of(&b.left) {
                    numeric.insert(n.to_string());
                }
                if let Some(n) = name_of(&b.right) {
                    if matches!(b.op, Operator::Mult) && matches!(&*b.left, Expr::List(_)) {
                        numeric.insert(n.to_string());
                    }
                }
            }
            _ => {}
        });
        for p in params {
            if is_cache_name(p) {
                hashes.insert(p.clone());
            }
        }
        let depth = self.loops.len();
        let nested = self.frame.scope_base > 1;
        let outer_primary = if nested {
            self.symbols.primary().map(str::to_string)
        } else {
            None
        };
        for p in params {
            let sized = collection.contains(p) || numeric.contains(p) || adjacency.contains(p);
            if sized && outer_primary.is_none() && matches!(p.as_str(), "n" | "m" | "k") {
                self.symbols.reserve(p);
            }
        }
        let mut first_collection: Option<Cost> = None;
        let mut syms = Vec::new();
        for p in params {
            if adjacency.contains(p) {
                self.frame.adjacency.insert(p.clone());
                let v = self.symbols.fresh("V");
                let mut var = Var::collection(Kind::Hash, Cost::linear(&v), depth);
                var.elem = Some(Cost::linear("E"));
                self.bind(p, var);
                syms.push(Some(v));
                continue;
            }
            if let Some(x) = index_of.get(p).filter(|x| *x != p) {
                let size = self
                    .lookup(x)
                    .filter(|v| v.kind != Kind::Scalar)
                    .map(|v| v.size);
                if let Some(size) = size {
                    self.bind(p, Var::scalar(size, depth));
                    syms.push(None);
                    continue;
                }
            }
            let index_like = matches!(
                p.as_str(),
                "i" | "j"
                    | "lo"
                    | "hi"
                    | "low"
                    | "high"
                    | "left"
                    | "right"
                    | "l"
                    | "r"
                    | "start"
                    | "end"
                    | "idx"
                    | "index"
                    | "pos"
                    | "begin"
            );
            let inherited = first_collection
                .clone()
                .or_else(|| outer_primary.as_deref().map(Cost::linear));
            if hashes.contains(p) {
                self.bind(p, Var::collection(Kind::Hash, Cost::constant(), depth));
                syms.push(None);
            } else if let (true, Some(size)) = (
                index_like || outer_primary.is_some(),
                inherited.filter(|_| collection.contains(p) || numeric.contains(p)),
            ) {
                let kind = if collection.contains(p) {
                    Kind::Seq
                } else {
                    Kind::Scalar
                };
                self.bind(p, Var::collection(kind, size, depth));
                syms.push(None);
            } else if collection.contains(p) {
                let s = self.symbols.fresh(p);
                self.bind(p, Var::collection(Kind::Seq, Cost::linear(&s), depth));
                first_collection.get_or_insert_with(|| Cost::linear(&s));
                syms.push(Some(s));
            } else if numeric.contains(p) {
                let s = self.symbols.fresh(p);
                self.bind(p, Var::scalar(Cost::linear(&s), depth));
                syms.push(Some(s));
            } else {
                self.bind(p, Var::scalar(Cost::constant(), depth));
                syms.push(None);
            }
        }
        for p in params {
            if let Some(x) = index_of.get(p) {
                if let Some(size) = self
                    .lookup(x)
                    .filter(|v| v.kind != Kind::Scalar)
                    .map(|v| v.size)
                {
                    if let Some(mut v) = self.lookup(p) {
                        if v.kind == Kind::Scalar && v.size.is_constant() {
                            v.size = size;
                            self.rebind(p, v);
                        }
                    }
                }
            }
        }
        syms
    }
}

/// A parameter named like a cache or visited set (`memo=None`, `seen`): hash-based, not an input size.
fn is_cache_name(p: &str) -> bool {
    matches!(p, "memo" | "cache" | "seen" | "visited" | "dp")
}
