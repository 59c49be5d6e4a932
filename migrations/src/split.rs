//! Splitting a script into statements at top-level semicolons, so each statement runs (and fails)
//! on its own and errors can name it. Knows quoting and comments of SQL (`'..'`, `".."`,
//! `$tag$..$tag$`, `--`, nested `/* */`) and of Cypher (`'..'`, `".."` with backslash escapes,
//! `` `..` ``, `//`, `/* */`).

use crate::Dialect;

/// The statements of `script`, without trailing semicolons and without leading comments;
/// comment-only chunks are dropped.
pub(crate) fn statements(script: &str, dialect: Dialect) -> Vec<String> {
    let bytes = script.as_bytes();
    let line_comment: &[u8] = match dialect {
        Dialect::Postgres => b"--",
        Dialect::Neo4j => b"//",
    };
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        if rest.starts_with(line_comment) {
            i += rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            continue;
        }
        if rest.starts_with(b"/*") {
            i += block_comment_len(rest, dialect == Dialect::Postgres);
            continue;
        }
        let b = bytes[i];
        if b == b';' {
            if let Some(s) = start.take() {
                out.push(script[s..i].trim_end().to_string());
            }
            i += 1;
            continue;
        }
        if !b.is_ascii_whitespace() && start.is_none() {
            start = Some(i);
        }
        i += match (b, dialect) {
            (b'\'', Dialect::Postgres) => {
                let escapes = i > 0 && matches!(bytes[i - 1], b'E' | b'e');
                quoted_len(rest, b'\'', escapes)
            }
            (b'"', Dialect::Postgres) => quoted_len(rest, b'"', false),
            (b'$', Dialect::Postgres) => dollar_quoted_len(rest),
            (b'\'' | b'"', Dialect::Neo4j) => quoted_len(rest, b, true),
            (b'`', Dialect::Neo4j) => quoted_len(rest, b'`', false),
            _ => 1,
        };
    }
    if let Some(s) = start {
        let last = script[s..].trim_end();
        if !last.is_empty() {
            out.push(last.to_string());
        }
    }
    out
}

/// Length of a quoted token starting at `rest[0]`; a doubled quote is an escaped quote.
fn quoted_len(rest: &[u8], quote: u8, backslash_escapes: bool) -> usize {
    let mut i = 1;
    while i < rest.len() {
        match rest[i] {
            b'\\' if backslash_escapes => i += 2,
            c if c == quote => {
                if rest.get(i + 1) == Some(&quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            }
            _ => i += 1,
        }
    }
    rest.len()
}

/// Length of `$tag$ ... $tag$`, or 1 if this `$` does not open a dollar quote (e.g. `$1`).
fn dollar_quoted_len(rest: &[u8]) -> usize {
    let tag_end = rest[1..]
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_'))
        .map(|p| p + 1);
    let Some(tag_end) = tag_end.filter(|&e| rest[e] == b'$') else {
        return 1;
    };
    if rest[1..tag_end].first().is_some_and(u8::is_ascii_digit) {
        return 1;
    }
    let tag = &rest[..=tag_end];
    rest[tag.len()..]
        .windows(tag.len())
        .position(|w| w == tag)
        .map_or(rest.len(), |p| tag.len() + p + tag.len())
}

fn block_comment_len(rest: &[u8], nested: bool) -> usize {
    let mut depth = 0usize;
    let mut i = 0;
    while i + 1 < rest.len() {
        match &rest[i..i + 2] {
            b"/*" if nested || depth == 0 => {
                depth += 1;
                i += 2;
            }
            b"*/" => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    rest.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_splits_on_top_level_semicolons_only() {
        let script = "-- header; not a statement\nCREATE TABLE a (x text DEFAULT 'a;b');\n\
            /* c; /* nested; */ still */ INSERT INTO a VALUES ($$x;y$$);\n\
            CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\n\
            SELECT E'it\\'s;', \"odd;name\" FROM a WHERE x = $1\n";
        let got = statements(script, Dialect::Postgres);
        assert_eq!(
            got,
            vec![
                "CREATE TABLE a (x text DEFAULT 'a;b')",
                "INSERT INTO a VALUES ($$x;y$$)",
                "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql",
                "SELECT E'it\\'s;', \"odd;name\" FROM a WHERE x = $1",
            ]
        );
    }

    #[test]
    fn comment_only_chunks_are_dropped() {
        assert!(statements("-- nothing here;\n  /* ; */ ;\n", Dialect::Postgres).is_empty());
    }

    #[test]
    fn cypher_knows_its_own_quotes_and_comments() {
        let script = "// seed; languages\nMERGE (:Language {name: 'c;'});\n\
            MATCH (n:`odd;label`) RETURN \"a\\\";\" AS s;";
        assert_eq!(
            statements(script, Dialect::Neo4j),
            vec![
                "MERGE (:Language {name: 'c;'})",
                "MATCH (n:`odd;label`) RETURN \"a\\\";\" AS s"
            ]
        );
    }
}
