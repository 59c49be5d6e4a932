//! The labelled complexity dataset (`tests/data/complexity/*.py`): loading and scoring.
//!
//! Why in the library: the accuracy test and the benchmark binary score the same way. Each file
//! starts with `# time: O(..)`, `# space: O(..)` and `# patterns: a, b` header lines.

use std::path::{Path, PathBuf};

use crate::notation::normalize;
use crate::offline::analyze_code;

/// One labelled snippet.
#[derive(Clone, Debug)]
pub struct LabelledSnippet {
    /// File stem, e.g. `16_binary_search_iterative`.
    pub name: String,
    /// Labelled time complexity, canonical.
    pub time: String,
    /// Labelled space complexity, canonical.
    pub space: String,
    /// Labelled pattern names.
    pub patterns: Vec<String>,
    /// The whole file, headers included.
    pub code: String,
}

/// Why the dataset could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The directory or a file could not be read.
    #[error("cannot read dataset at {path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file lacks a `# time:` or `# space:` header.
    #[error("{0} lacks a `# time:` or `# space:` header line")]
    MissingLabel(String),
}

/// The dataset directory of this repository (`tests/data/complexity`).
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/complexity")
}

/// Loads every `.py` file of a directory, sorted by name.
pub fn load(dir: &Path) -> Result<Vec<LabelledSnippet>, DatasetError> {
    let io = |source| DatasetError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        let code = std::fs::read_to_string(&p).map_err(|source| DatasetError::Io {
            path: p.clone(),
            source,
        })?;
        let name = p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let header = |key: &str| {
            code.lines().find_map(|l| {
                l.strip_prefix(&format!("# {key}:"))
                    .map(|v| v.trim().to_string())
            })
        };
        let (Some(time), Some(space)) = (header("time"), header("space")) else {
            return Err(DatasetError::MissingLabel(name));
        };
        let patterns = header("patterns")
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        out.push(LabelledSnippet {
            name,
            time: normalize(&time),
            space: normalize(&space),
            patterns,
            code,
        });
    }
    Ok(out)
}

/// One disagreement between the analyzer and a label.
#[derive(Clone, Debug)]
pub struct Miss {
    /// Snippet name.
    pub name: String,
    /// `time` or `space`.
    pub what: &'static str,
    /// The label.
    pub expected: String,
    /// What the analyzer said.
    pub got: String,
}

/// Accuracy of the offline analyzer over a dataset.
#[derive(Clone, Debug, Default)]
pub struct Score {
    /// Number of snippets.
    pub total: usize,
    /// Snippets whose time matched.
    pub time_hits: usize,
    /// Snippets whose space matched.
    pub space_hits: usize,
    /// Labelled patterns found.
    pub pattern_hits: usize,
    /// Labelled patterns in all.
    pub pattern_total: usize,
    /// Every disagreement.
    pub misses: Vec<Miss>,
}

impl Score {
    /// Fraction of time labels matched.
    pub fn time_accuracy(&self) -> f64 {
        ratio(self.time_hits, self.total)
    }

    /// Fraction of space labels matched.
    pub fn space_accuracy(&self) -> f64 {
        ratio(self.space_hits, self.total)
    }

    /// Fraction of labelled patterns found.
    pub fn pattern_recall(&self) -> f64 {
        ratio(self.pattern_hits, self.pattern_total)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Runs the offline analyzer over every snippet and compares canonical notations.
pub fn score(snippets: &[LabelledSnippet]) -> Score {
    let mut s = Score {
        total: snippets.len(),
        ..Score::default()
    };
    for snip in snippets {
        let (time, space, patterns) = match analyze_code(&snip.code) {
            Ok(r) => (
                r.time.notation(),
                r.space.notation(),
                r.patterns
                    .iter()
                    .map(|p| p.name().to_string())
                    .collect::<Vec<_>>(),
            ),
            Err(e) => (e.to_string(), e.to_string(), Vec::new()),
        };
        let mut check = |what: &'static str, expected: &str, got: String, hits: &mut usize| {
            if expected == got {
                *hits += 1;
            } else {
                s.misses.push(Miss {
                    name: snip.name.clone(),
                    what,
                    expected: expected.to_string(),
                    got,
                });
            }
        };
        check("time", &snip.time, time, &mut s.time_hits);
        check("space", &snip.space, space, &mut s.space_hits);
        s.pattern_total += snip.patterns.len();
        s.pattern_hits += snip
            .patterns
            .iter()
            .filter(|p| patterns.contains(p))
            .count();
    }
    s
}
