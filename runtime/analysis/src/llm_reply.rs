//! Parsing an LLM's analysis reply into complexity values.
//!
//! The model is asked for markdown sections and a fenced json block. The last fenced json block
//! that has both values wins; otherwise the `Time Complexity:` / `Space Complexity:` headings are
//! read, with nested parentheses (`O(n log(n))`) taken whole. Values are normalised.

use serde_json::Value;

use crate::notation::normalize;

/// The message used when a reply has neither a usable json block nor headings.
pub const NO_VALUES: &str = "Could not extract complexity values from response";

/// Complexity values read from a reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedReply {
    /// Canonical time complexity.
    pub time_complexity: String,
    /// Canonical space complexity.
    pub space_complexity: String,
    /// Pattern names the model listed, if any.
    pub patterns: Vec<String>,
}

/// Reads the complexity values from a reply; `Err` carries [`NO_VALUES`].
pub fn parse_reply(text: &str) -> Result<ParsedReply, &'static str> {
    for block in fenced_blocks(text).into_iter().rev() {
        if let Some(p) = from_json(&block) {
            return Ok(p);
        }
    }
    let time = heading_value(text, "time complexity");
    let space = heading_value(text, "space complexity");
    match (time, space) {
        (Some(t), Some(s)) => Ok(ParsedReply {
            time_complexity: normalize(&t),
            space_complexity: normalize(&s),
            patterns: Vec::new(),
        }),
        _ => Err(NO_VALUES),
    }
}

/// Bodies of fenced code blocks tagged `json`, or untagged ones that look like an object.
fn fenced_blocks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("```") {
        let after = &rest[start + 3..];
        let (tag, body_start) = match after.find('\n') {
            Some(nl) => (after[..nl].trim(), nl + 1),
            None => break,
        };
        let body = &after[body_start..];
        let Some(end) = body.find("```") else {
            break;
        };
        let content = body[..end].trim();
        if tag.eq_ignore_ascii_case("json") || (tag.is_empty() && content.starts_with('{')) {
            out.push(content.to_string());
        }
        rest = &body[end + 3..];
    }
    out
}

fn from_json(block: &str) -> Option<ParsedReply> {
    let v: Value = serde_json::from_str(block).ok()?;
    let get = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let time = get("time_complexity").or_else(|| get("time"))?;
    let space = get("space_complexity").or_else(|| get("space"))?;
    let patterns = v
        .get("patterns")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Some(ParsedReply {
        time_complexity: normalize(&time),
        space_complexity: normalize(&space),
        patterns,
    })
}

/// The `O(...)` after a heading or label such as `### Time Complexity: O(n log(n))`.
fn heading_value(text: &str, label: &str) -> Option<String> {
    for line in text.lines() {
        let lower = line.to_lowercase();
        let Some(pos) = lower.find(label) else {
            continue;
        };
        let tail = &line[pos + label.len()..];
        if let Some(v) = big_o(tail) {
            return Some(v);
        }
    }
    None
}

/// The first `O(...)` in a string with balanced parentheses.
pub(crate) fn big_o(s: &str) -> Option<String> {
    let start = s.find("O(")?;
    let mut depth = 0usize;
    for (i, c) in s[start + 1..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(s[start..start + 1 + i + 1].to_string());
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_fenced_json_block_wins() {
        let reply = "### Time Complexity: O(n)\n```json\n{\"time_complexity\": \"O(1)\", \"space_complexity\": \"O(1)\"}\n```\nthen\n```json\n{\"time_complexity\": \"O(n^2)\", \"space_complexity\": \"O(n)\", \"patterns\": [\"nested loops\"]}\n```";
        let p = parse_reply(reply).expect("parses");
        assert_eq!(p.time_complexity, "O(n^2)");
        assert_eq!(p.space_complexity, "O(n)");
        assert_eq!(p.patterns, vec!["nested loops".to_string()]);
    }

    #[test]
    fn falls_back_to_headings_with_nested_parentheses() {
        let reply = "### Algorithm\nMerge sort.\n### Time Complexity: O(n log(n))\nbecause...\n### Space Complexity: O(n)\n";
        let p = parse_reply(reply).expect("parses");
        assert_eq!(p.time_complexity, "O(n log n)");
        assert_eq!(p.space_complexity, "O(n)");
    }

    #[test]
    fn json_missing_a_key_falls_back_to_headings() {
        let reply = "```json\n{\"time_complexity\": \"O(n)\"}\n```\n**Time Complexity:** O(n²)\n**Space Complexity:** O(1)";
        let p = parse_reply(reply).expect("parses");
        assert_eq!(p.time_complexity, "O(n^2)");
        assert_eq!(p.space_complexity, "O(1)");
    }

    #[test]
    fn missing_keys_and_garbage_fail_with_the_documented_message() {
        assert_eq!(parse_reply("```json\n{\"time\": 3}\n```"), Err(NO_VALUES));
        assert_eq!(parse_reply("I cannot help with that."), Err(NO_VALUES));
        assert_eq!(parse_reply("```json\n{not json\n```"), Err(NO_VALUES));
        assert_eq!(
            parse_reply("### Time Complexity: O(n\n### Space Complexity: O(1)"),
            Err(NO_VALUES)
        );
        assert_eq!(parse_reply(""), Err(NO_VALUES));
    }
}
