//! The offline static analyzer: parses Python with `rustpython-parser` and derives time and space
//! complexity from loops, recursion, memoization, calls of known cost and the data structures
//! built. No network, milliseconds per snippet; the default provider and the one every test uses.

mod exprs;
mod loops;
mod params;
mod recursion;
mod scope;
mod sizes;
mod visit;
mod walker;

use rustpython_parser::ast::Stmt;

use crate::narrative::{self, Sections};
use crate::notation::Cost;
use crate::parse::parse_module;
use crate::patterns::Pattern;
use walker::{FuncDef, Note, Walker};

/// What the static analysis found, before it is dressed as an [`crate::Analysis`].
#[derive(Clone, Debug)]
pub struct StaticReport {
    /// Time complexity of the most expensive code in the snippet.
    pub time: Cost,
    /// Auxiliary space (input not counted).
    pub space: Cost,
    /// Patterns recognised, in stable order.
    pub patterns: Vec<Pattern>,
    /// The markdown narrative in the sections of docs/analysis.md.
    pub narrative: String,
}

/// Why static analysis produced no complexity.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StaticError {
    /// The snippet is empty or only whitespace.
    #[error("Empty code")]
    Empty,
    /// The snippet does not parse as Python.
    #[error("syntax error on line {line}: {message}; fix the code and analyse again")]
    Syntax {
        /// 1-based line of the error.
        line: usize,
        /// The parser's message.
        message: String,
    },
}

/// Analyses a Python snippet statically.
pub fn analyze_code(code: &str) -> Result<StaticReport, StaticError> {
    if code.trim().is_empty() {
        return Err(StaticError::Empty);
    }
    let suite = parse_module(code).map_err(|p| StaticError::Syntax {
        line: p.line,
        message: p.message,
    })?;
    let mut w = Walker::new();
    let mut names = Vec::new();
    register(&mut w, &suite, &mut names);
    let module = w.block(&suite);
    let mut time = module.time;
    let mut space = w.space.clone();
    for name in &names {
        if let Some(s) = w.summary(name) {
            time = time.max(&s.time);
            space = space.max(&s.space);
        }
    }
    let patterns: Vec<Pattern> = w.patterns.iter().copied().collect();
    let (time_notes, space_notes) = split_notes(&w.notes);
    let narrative = narrative::render(&Sections {
        functions: &names,
        patterns: &patterns,
        time: &time,
        space: &space,
        time_notes: &time_notes,
        space_notes: &space_notes,
        suggestions: &narrative::suggestions(&time, &patterns, code),
    });
    Ok(StaticReport {
        time,
        space,
        patterns,
        narrative,
    })
}

fn register<'a>(w: &mut Walker<'a>, suite: &'a [Stmt], names: &mut Vec<String>) {
    for s in suite {
        match s {
            Stmt::FunctionDef(d) => {
                w.funcs.insert(
                    d.name.to_string(),
                    FuncDef {
                        def: d,
                        scope_depth: 0,
                    },
                );
                names.push(d.name.to_string());
            }
            Stmt::ClassDef(c) => register(w, &c.body, names),
            _ => {}
        }
    }
}

fn split_notes(notes: &[Note]) -> (Vec<String>, Vec<String>) {
    let mut t = Vec::new();
    let mut s = Vec::new();
    for n in notes {
        match n {
            Note::Time(x) => t.push(x.clone()),
            Note::Space(x) => s.push(x.clone()),
        }
    }
    (t, s)
}
