//! Embeddings: the input format of docs/analysis.md, the [`Embedder`] interface, the offline hashed
//! embedder and the Gemini embedder.
//!
//! The hashed embedder is deterministic and needs no network: identifiers are split on case and
//! underscores, words are lightly stemmed, Python keywords and complexity labels become features,
//! and every feature is signed-hashed (FNV-1a) into the configured dimension, then the vector is
//! L2-normalised. Similar code shares identifiers and labels, so it lands close.

use futures_util::future::BoxFuture;

use crate::error::AnalysisError;
use crate::gemini::{GeminiClient, TaskType};
use crate::notation::class_name;

/// The stack's default embedding dimension.
pub const DEFAULT_DIMENSION: usize = 768;

/// Characters of code included in the embedding input.
pub const CODE_PREFIX_CHARS: usize = 8000;

/// The fields a snippet is embedded from.
#[derive(Clone, Debug, Default)]
pub struct EmbeddingInput<'s> {
    /// Snippet title, if any.
    pub title: Option<&'s str>,
    /// Snippet description, if any.
    pub description: Option<&'s str>,
    /// Time complexity, if analysed.
    pub time_complexity: Option<&'s str>,
    /// Space complexity, if analysed.
    pub space_complexity: Option<&'s str>,
    /// The code.
    pub code: &'s str,
}

impl EmbeddingInput<'_> {
    /// `Title: ...`, `Description: ...`, `Analysis: time X (name), space Y (name)`, `Code:` and the
    /// first 8000 characters, joined by blank lines; absent parts are left out.
    pub fn render(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = self.title.filter(|t| !t.trim().is_empty()) {
            parts.push(format!("Title: {}", t.trim()));
        }
        if let Some(d) = self.description.filter(|d| !d.trim().is_empty()) {
            parts.push(format!("Description: {}", d.trim()));
        }
        if let (Some(t), Some(s)) = (self.time_complexity, self.space_complexity) {
            parts.push(format!(
                "Analysis: time {t} ({}), space {s} ({})",
                class_name(t),
                class_name(s)
            ));
        }
        let code: String = self.code.chars().take(CODE_PREFIX_CHARS).collect();
        parts.push(format!("Code:\n{code}"));
        parts.join("\n\n")
    }
}

/// Turns texts into unit vectors of a fixed dimension. Object safe, so the provider is chosen by
/// configuration at start-up (`Arc<dyn Embedder>`).
pub trait Embedder: Send + Sync {
    /// A short name for logs and benchmarks (`hashed`, `gemini`).
    fn name(&self) -> &str;
    /// Vector length.
    fn dimension(&self) -> usize;
    /// Which vector space this embedder writes (`minilm/384`): stored with every document, so
    /// vectors of another embedder are never compared with this one's (docs/search.md).
    fn id(&self) -> String {
        format!("{}/{}", self.name(), self.dimension())
    }
    /// The similarity under which a document is unrelated to a query for this embedder's
    /// vectors: search does not return it. Each embedder has its own spread of scores.
    fn score_floor(&self) -> f64;
    /// Embeds stored documents (rendered [`EmbeddingInput`]s).
    fn embed_documents<'a>(
        &'a self,
        texts: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Vec<f32>>, AnalysisError>>;
    /// Embeds a search query.
    fn embed_query<'a>(&'a self, text: &'a str) -> BoxFuture<'a, Result<Vec<f32>, AnalysisError>>;
}

/// Scales a vector to unit length (a zero vector stays zero).
pub fn l2_normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for x in v.iter_mut() {
            *x /= norm;
        }
    }
}

/// Cosine similarity of two unit vectors (their dot product).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The offline embedder.
#[derive(Clone, Debug)]
pub struct HashedEmbedder {
    dimension: usize,
}

impl HashedEmbedder {
    /// An embedder into `dimension` components (at least 1).
    pub fn new(dimension: usize) -> Self {
        HashedEmbedder {
            dimension: dimension.max(1),
        }
    }

    /// Embeds one text synchronously.
    pub fn embed_text(&self, text: &str) -> Vec<f32> {
        let mut v = vec![0.0f32; self.dimension];
        for (feature, weight) in features(text) {
            let h = fnv1a(feature.as_bytes());
            let idx = (h % self.dimension as u64) as usize;
            let sign = if (h >> 63) & 1 == 1 { -1.0 } else { 1.0 };
            v[idx] += sign * weight;
        }
        l2_normalize(&mut v);
        v
    }
}

impl Default for HashedEmbedder {
    fn default() -> Self {
        HashedEmbedder::new(DEFAULT_DIMENSION)
    }
}

impl Embedder for HashedEmbedder {
    fn name(&self) -> &str {
        "hashed"
    }

    fn dimension(&self) -> usize {
        self.dimension
    }

    /// Shared hashed features make any positive score a (weak) match.
    fn score_floor(&self) -> f64 {
        0.0
    }

    fn embed_documents<'a>(
        &'a self,
        texts: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Vec<f32>>, AnalysisError>> {
        Box::pin(async move { Ok(texts.iter().map(|t| self.embed_text(t)).collect()) })
    }

    fn embed_query<'a>(&'a self, text: &'a str) -> BoxFuture<'a, Result<Vec<f32>, AnalysisError>> {
        Box::pin(async move { Ok(self.embed_text(text)) })
    }
}

/// Gemini `gemini-embedding-001` at the configured `outputDimensionality`.
#[derive(Clone, Debug)]
pub struct GeminiEmbedder {
    client: GeminiClient,
}

impl GeminiEmbedder {
    /// Wraps a client; its configuration carries the model and dimension.
    pub fn new(client: GeminiClient) -> Self {
        GeminiEmbedder { client }
    }
}

impl Embedder for GeminiEmbedder {
    fn name(&self) -> &str {
        "gemini"
    }

    fn dimension(&self) -> usize {
        self.client.config().embedding_dimension
    }

    /// Not calibrated (Gemini is unreachable from the development machines): only scores
    /// under zero are dropped.
    fn score_floor(&self) -> f64 {
        0.0
    }

    fn embed_documents<'a>(
        &'a self,
        texts: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Vec<f32>>, AnalysisError>> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(texts.len());
            for chunk in texts.chunks(100) {
                out.extend(self.client.embed(chunk, TaskType::Document).await?);
            }
            Ok(out)
        })
    }

    fn embed_query<'a>(&'a self, text: &'a str) -> BoxFuture<'a, Result<Vec<f32>, AnalysisError>> {
        Box::pin(async move {
            let mut v = self
                .client
                .embed(&[text.to_string()], TaskType::Query)
                .await?;
            v.pop()
                .ok_or_else(|| AnalysisError::Shape("no embedding returned".to_string()))
        })
    }
}

const PY_KEYWORDS: [&str; 20] = [
    "def", "return", "for", "while", "if", "else", "elif", "in", "class", "lambda", "yield",
    "import", "from", "with", "try", "except", "and", "or", "not", "break",
];

const STOP_WORDS: [&str; 24] = [
    "the", "a", "an", "of", "and", "to", "in", "is", "it", "for", "on", "by", "with", "that",
    "this", "my", "me", "all", "any", "are", "be", "as", "at", "or",
];

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Light suffix stripping so that `recursive`, `recursion` and `recursively` share a feature.
fn stem(w: &str) -> String {
    for suffix in ["ively", "ions", "ion", "ive", "ing", "ed", "es", "s"] {
        if w.len() > suffix.len() + 3 {
            if let Some(s) = w.strip_suffix(suffix) {
                return s.to_string();
            }
        }
    }
    w.to_string()
}

/// Splits `maxSubArray_sum2` into `max`, `sub`, `array`, `sum2`.
fn split_identifier(ident: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in ident.split('_').filter(|p| !p.is_empty()) {
        let mut cur = String::new();
        let chars: Vec<char> = part.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            let boundary = c.is_uppercase()
                && i > 0
                && (chars[i - 1].is_lowercase()
                    || chars.get(i + 1).is_some_and(|n| n.is_lowercase()));
            if boundary && !cur.is_empty() {
                out.push(cur.to_lowercase());
                cur.clear();
            }
            cur.push(*c);
        }
        if !cur.is_empty() {
            out.push(cur.to_lowercase());
        }
    }
    out
}

/// Weighted features of a text.
fn features(text: &str) -> Vec<(String, f32)> {
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("Analysis:") {
            for part in rest.split(',') {
                let part = part.trim();
                let kind = if part.starts_with("time") {
                    "time"
                } else {
                    "space"
                };
                if let Some(o) = crate::llm_reply::big_o(part) {
                    out.push((format!("{kind}:{}", crate::notation::normalize(&o)), 1.5));
                    out.push((format!("class:{}", class_name(&o)), 1.5));
                }
            }
        }
    }
    let mut prev: Option<String> = None;
    let mut word = String::new();
    let flush = |word: &mut String, prev: &mut Option<String>, out: &mut Vec<(String, f32)>| {
        if word.is_empty() {
            return;
        }
        let w = std::mem::take(word);
        let lower = w.to_lowercase();
        if PY_KEYWORDS.contains(&lower.as_str()) {
            out.push((format!("kw:{lower}"), 0.3));
            return;
        }
        if STOP_WORDS.contains(&lower.as_str()) || w.chars().all(|c| c.is_ascii_digit()) {
            return;
        }
        let parts = split_identifier(&w);
        if parts.len() > 1 {
            out.push((format!("id:{lower}"), 0.7));
        }
        for p in parts {
            if p.len() < 2 {
                continue;
            }
            let s = stem(&p);
            if let Some(class) = crate::notation::ComplexityClass::from_word(&p) {
                out.push((format!("class:{}", class.name()), 1.0));
            }
            if let Some(pr) = prev.as_ref() {
                out.push((format!("bi:{pr}_{s}"), 0.4));
            }
            out.push((format!("w:{s}"), 1.0));
            *prev = Some(s);
        }
    };
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut prev, &mut out);
        }
    }
    flush(&mut word, &mut prev, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_format_matches_the_spec() {
        let input = EmbeddingInput {
            title: Some("Binary search"),
            description: Some("Find x"),
            time_complexity: Some("O(log n)"),
            space_complexity: Some("O(1)"),
            code: "def f(): pass",
        };
        assert_eq!(
            input.render(),
            "Title: Binary search\n\nDescription: Find x\n\nAnalysis: time O(log n) (logarithmic), space O(1) (constant)\n\nCode:\ndef f(): pass"
        );
        let long = "x".repeat(9000);
        let only_code = EmbeddingInput {
            code: &long,
            ..EmbeddingInput::default()
        };
        assert_eq!(
            only_code.render().len(),
            "Code:\n".len() + CODE_PREFIX_CHARS
        );
    }

    #[test]
    fn identifiers_split_on_case_and_underscores() {
        assert_eq!(
            split_identifier("maxSubArray_sum"),
            vec!["max", "sub", "array", "sum"]
        );
        assert_eq!(split_identifier("HTTPServer"), vec!["http", "server"]);
    }
}
