//! Python parsing for the offline analyzer: a thin wrapper over `rustpython-parser` that turns its
//! errors into a line number and a message a user can act on.

use rustpython_parser::ast::Suite;
use rustpython_parser::Parse;

/// Why the code could not be parsed, with the 1-based line where the parser stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxProblem {
    /// 1-based line of the error.
    pub line: usize,
    /// The parser's description of the error.
    pub message: String,
}

/// Parses a whole Python module (3.11 syntax, including `match`).
pub fn parse_module(code: &str) -> Result<Suite, SyntaxProblem> {
    Suite::parse(code, "<snippet>").map_err(|e| {
        let offset = usize::try_from(u32::from(e.offset)).unwrap_or(usize::MAX);
        let line = code
            .char_indices()
            .take_while(|(i, _)| *i < offset)
            .filter(|(_, c)| *c == '\n')
            .count()
            + 1;
        SyntaxProblem {
            line,
            message: e.error.to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_modern_python() {
        let code = "match x:\n    case 1:\n        pass\nprint(f\"{x!r}\")\n";
        assert!(parse_module(code).is_ok());
    }

    #[test]
    fn reports_the_line_of_a_syntax_error() {
        let err = parse_module("x = 1\ny = (\n").err();
        assert!(err.is_some_and(|e| e.line >= 2));
    }
}
