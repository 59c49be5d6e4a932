//! One value, printed as text (`Display`) or as JSON (`Serialize`), always on stdout.

use std::fmt::Display;

use serde::Serialize;

/// Print `value` for humans, or as one JSON document when `json` is set.
pub fn emit<T: Display + Serialize>(value: &T, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        println!("{value}");
    }
    Ok(())
}
