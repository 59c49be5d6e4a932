//! Embeds every file under `postgres/` and `neo4j/` into the crate, so a binary carries exactly
//! the revisions of its release.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let mut out = String::new();
    for (constant, dir, ext) in [
        ("POSTGRES", "postgres", "sql"),
        ("NEO4J", "neo4j", "cypher"),
    ] {
        println!("cargo:rerun-if-changed={dir}");
        let mut files: Vec<String> = std::fs::read_dir(Path::new(&manifest).join(dir))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|name| name.ends_with(&format!(".{ext}")))
            .collect();
        files.sort();
        let _ = writeln!(
            out,
            "/// Embedded `{dir}/*.{ext}` files: (file name, contents)."
        );
        let _ = writeln!(out, "pub(crate) static {constant}: &[(&str, &str)] = &[");
        for file in files {
            let _ = writeln!(
                out,
                "    ({file:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{dir}/{file}\"))),"
            );
        }
        out.push_str("];\n");
    }
    let target = Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join("embedded.rs");
    if let Err(e) = std::fs::write(&target, out) {
        panic!("writing {}: {e}", target.display());
    }
}
