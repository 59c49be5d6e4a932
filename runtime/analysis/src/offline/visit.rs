//! Generic traversal of the Python AST, used by the pre-scans (which parameters are sizes,
//! whether a loop body resets a pointer, whether a function memoizes).

use rustpython_parser::ast::{ExceptHandler, Expr, Stmt};

/// Direct sub-expressions of an expression.
pub(crate) fn expr_children(e: &Expr) -> Vec<&Expr> {
    let mut out: Vec<&Expr> = Vec::new();
    match e {
        Expr::BoolOp(x) => out.extend(x.values.iter()),
        Expr::NamedExpr(x) => {
            out.push(&x.target);
            out.push(&x.value);
        }
        Expr::BinOp(x) => {
            out.push(&x.left);
            out.push(&x.right);
        }
        Expr::UnaryOp(x) => out.push(&x.operand),
        Expr::Lambda(x) => out.push(&x.body),
        Expr::IfExp(x) => {
            out.push(&x.test);
            out.push(&x.body);
            out.push(&x.orelse);
        }
        Expr::Dict(x) => {
            out.extend(x.keys.iter().flatten());
            out.extend(x.values.iter());
        }
        Expr::Set(x) => out.extend(x.elts.iter()),
        Expr::ListComp(x) => {
            out.push(&x.elt);
            for g in &x.generators {
                out.push(&g.iter);
                out.push(&g.target);
                out.extend(g.ifs.iter());
            }
        }
        Expr::SetComp(x) => {
            out.push(&x.elt);
            for g in &x.generators {
                out.push(&g.iter);
                out.push(&g.target);
                out.extend(g.ifs.iter());
            }
        }
        Expr::GeneratorExp(x) => {
            out.push(&x.elt);
            for g in &x.generators {
                out.push(&g.iter);
                out.push(&g.target);
                out.extend(g.ifs.iter());
            }
        }
        Expr::DictComp(x) => {
            out.push(&x.key);
            out.push(&x.value);
            for g in &x.generators {
                out.push(&g.iter);
                out.push(&g.target);
                out.extend(g.ifs.iter());
            }
        }
        Expr::Await(x) => out.push(&x.value),
        Expr::Yield(x) => out.extend(x.value.as_deref()),
        Expr::YieldFrom(x) => out.push(&x.value),
        Expr::Compare(x) => {
            out.push(&x.left);
            out.extend(x.comparators.iter());
        }
        Expr::Call(x) => {
            out.push(&x.func);
            out.extend(x.args.iter());
            out.extend(x.keywords.iter().map(|k| &k.value));
        }
        Expr::FormattedValue(x) => out.push(&x.value),
        Expr::JoinedStr(x) => out.extend(x.values.iter()),
        Expr::Attribute(x) => out.push(&x.value),
        Expr::Subscript(x) => {
            out.push(&x.value);
            out.push(&x.slice);
        }
        Expr::Starred(x) => out.push(&x.value),
        Expr::List(x) => out.extend(x.elts.iter()),
        Expr::Tuple(x) => out.extend(x.elts.iter()),
        Expr::Slice(x) => {
            out.extend(x.lower.as_deref());
            out.extend(x.upper.as_deref());
            out.extend(x.step.as_deref());
        }
        Expr::Constant(_) | Expr::Name(_) => {}
    }
    out
}

/// Visits an expression and all its sub-expressions, parents first.
pub(crate) fn walk_expr<'a>(e: &'a Expr, f: &mut dyn FnMut(&'a Expr)) {
    f(e);
    for c in expr_children(e) {
        walk_expr(c, f);
    }
}

/// Expressions directly held by a statement (not those of nested statements).
pub(crate) fn stmt_exprs(s: &Stmt) -> Vec<&Expr> {
    let mut out: Vec<&Expr> = Vec::new();
    match s {
        Stmt::FunctionDef(x) => out.extend(x.decorator_list.iter()),
        Stmt::AsyncFunctionDef(x) => out.extend(x.decorator_list.iter()),
        Stmt::ClassDef(x) => out.extend(x.bases.iter()),
        Stmt::Return(x) => out.extend(x.value.as_deref()),
        Stmt::Delete(x) => out.extend(x.targets.iter()),
        Stmt::Assign(x) => {
            out.extend(x.targets.iter());
            out.push(&x.value);
        }
        Stmt::AugAssign(x) => {
            out.push(&x.target);
            out.push(&x.value);
        }
        Stmt::AnnAssign(x) => {
            out.push(&x.target);
            out.extend(x.value.as_deref());
        }
        Stmt::For(x) => {
            out.push(&x.target);
            out.push(&x.iter);
        }
        Stmt::AsyncFor(x) => {
            out.push(&x.target);
            out.push(&x.iter);
        }
        Stmt::While(x) => out.push(&x.test),
        Stmt::If(x) => out.push(&x.test),
        Stmt::With(x) => out.extend(x.items.iter().map(|i| &i.context_expr)),
        Stmt::AsyncWith(x) => out.extend(x.items.iter().map(|i| &i.context_expr)),
        Stmt::Match(x) => out.push(&x.subject),
        Stmt::Raise(x) => out.extend(x.exc.as_deref()),
        Stmt::Assert(x) => out.push(&x.test),
        Stmt::Expr(x) => out.push(&x.value),
        _ => {}
    }
    out
}

/// Statement blocks nested directly in a statement (bodies, else branches, handlers, cases).
pub(crate) fn stmt_blocks(s: &Stmt) -> Vec<&[Stmt]> {
    match s {
        Stmt::FunctionDef(x) => vec![&x.body[..]],
        Stmt::AsyncFunctionDef(x) => vec![&x.body[..]],
        Stmt::ClassDef(x) => vec![&x.body[..]],
        Stmt::For(x) => vec![&x.body[..], &x.orelse[..]],
        Stmt::AsyncFor(x) => vec![&x.body[..], &x.orelse[..]],
        Stmt::While(x) => vec![&x.body[..], &x.orelse[..]],
        Stmt::If(x) => vec![&x.body[..], &x.orelse[..]],
        Stmt::With(x) => vec![&x.body[..]],
        Stmt::AsyncWith(x) => vec![&x.body[..]],
        Stmt::Match(x) => x.cases.iter().map(|c| &c.body[..]).collect(),
        Stmt::Try(x) => {
            let mut v: Vec<&[Stmt]> = vec![&x.body[..], &x.orelse[..], &x.finalbody[..]];
            v.extend(
                x.handlers
                    .iter()
                    .map(|ExceptHandler::ExceptHandler(h)| &h.body[..]),
            );
            v
        }
        Stmt::TryStar(x) => {
            let mut v: Vec<&[Stmt]> = vec![&x.body[..], &x.orelse[..], &x.finalbody[..]];
            v.extend(
                x.handlers
                    .iter()
                    .map(|ExceptHandler::ExceptHandler(h)| &h.body[..]),
            );
            v
        }
        _ => Vec::new(),
    }
}

/// Visits every statement in a block, nested ones included, parents first.
pub(crate) fn walk_stmts<'a>(stmts: &'a [Stmt], f: &mut dyn FnMut(&'a Stmt)) {
    for s in stmts {
        f(s);
        for b in stmt_blocks(s) {
            walk_stmts(b, f);
        }
    }
}

/// Visits every expression in a block, nested statements and sub-expressions included.
pub(crate) fn walk_block_exprs<'a>(stmts: &'a [Stmt], f: &mut dyn FnMut(&'a Expr)) {
    walk_stmts(stmts, &mut |s| {
        for e in stmt_exprs(s) {
            walk_expr(e, f);
        }
    });
}

/// The identifier of a `Name` expression.
pub(crate) fn name_of(e: &Expr) -> Option<&str> {
    match e {
        Expr::Name(n) => Some(n.id.as_str()),
        _ => None,
    }
}

/// The name a call is made to: `f(...)` is `f`, `heapq.heappush(...)` is `heappush`, `x.sort()` is `sort`.
pub(crate) fn call_name(func: &Expr) -> Option<&str> {
    match func {
        Expr::Name(n) => Some(n.id.as_str()),
        Expr::Attribute(a) => Some(a.attr.as_str()),
        _ => None,
    }
}

/// Names bound by an assignment target (`a`, `a, b`, `(a, [b, c])`).
pub(crate) fn target_names(e: &Expr) -> Vec<&str> {
    match e {
        Expr::Name(n) => vec![n.id.as_str()],
        Expr::Tuple(t) => t.elts.iter().flat_map(target_names).collect(),
        Expr::List(t) => t.elts.iter().flat_map(target_names).collect(),
        Expr::Starred(s) => target_names(&s.value),
        _ => Vec::new(),
    }
}

/// The root variable of an attribute or subscript chain (`dp[i][j]` is `dp`, `self.items` is `self`).
pub(crate) fn root_name(e: &Expr) -> Option<&str> {
    match e {
        Expr::Name(n) => Some(n.id.as_str()),
        Expr::Subscript(s) => root_name(&s.value),
        Expr::Attribute(a) => root_name(&a.value),
        _ => None,
    }
}
