//! BERT's uncased WordPiece tokenizer, as `tokenizer.json` of all-MiniLM-L6-v2 describes it:
//! clean the text, put spaces around CJK ideographs, lowercase and strip accents, split on
//! whitespace and punctuation, then cut each word greedily into the longest vocabulary pieces
//! (later pieces prefixed `##`); a word that cannot be cut is `[UNK]`.

use std::collections::HashMap;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::MiniLmError;

/// Longest word cut into pieces; a longer one is `[UNK]`.
const MAX_WORD_CHARS: usize = 100;

/// The vocabulary and the special tokens.
#[derive(Debug, Clone)]
pub struct WordPiece {
    vocab: HashMap<String, u32>,
    cls: u32,
    sep: u32,
    unk: u32,
}

impl WordPiece {
    /// Reads the vocabulary of a `tokenizer.json` whose model is WordPiece.
    pub fn from_tokenizer_json(bytes: &[u8]) -> Result<Self, MiniLmError> {
        #[derive(serde::Deserialize)]
        struct File {
            model: Model,
        }
        #[derive(serde::Deserialize)]
        struct Model {
            #[serde(rename = "type")]
            kind: String,
            vocab: HashMap<String, u32>,
        }
        let file: File = serde_json::from_slice(bytes)
            .map_err(|err| MiniLmError::Tokenizer(format!("tokenizer.json: {err}")))?;
        if file.model.kind != "WordPiece" {
            return Err(MiniLmError::Tokenizer(format!(
                "tokenizer.json: expected a WordPiece model, found {}",
                file.model.kind
            )));
        }
        let vocab = file.model.vocab;
        let special = |token: &str| {
            vocab.get(token).copied().ok_or_else(|| {
                MiniLmError::Tokenizer(format!("tokenizer.json: no {token} in the vocabulary"))
            })
        };
        Ok(Self {
            cls: special("[CLS]")?,
            sep: special("[SEP]")?,
            unk: special("[UNK]")?,
            vocab,
        })
    }

    /// `[CLS]`, the pieces of `text` (at most `max_tokens - 2` of them), `[SEP]`.
    pub fn encode(&self, text: &str, max_tokens: usize) -> Vec<u32> {
        let budget = max_tokens.saturating_sub(2);
        let mut ids = vec![self.cls];
        'words: for word in words(&normalize(text)) {
            for piece in self.pieces(&word) {
                if ids.len() > budget {
                    break 'words;
                }
                ids.push(piece);
            }
        }
        ids.push(self.sep);
        ids
    }

    /// The greedy longest-match pieces of one word.
    fn pieces(&self, word: &str) -> Vec<u32> {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() > MAX_WORD_CHARS {
            return vec![self.unk];
        }
        let mut pieces = Vec::new();
        let mut start = 0;
        while start < chars.len() {
            let found = (start + 1..=chars.len()).rev().find_map(|end| {
                let piece: String = chars[start..end].iter().collect();
                let key = if start > 0 {
                    format!("##{piece}")
                } else {
                    piece
                };
                self.vocab.get(&key).map(|id| (*id, end))
            });
            match found {
                Some((id, end)) => {
                    pieces.push(id);
                    start = end;
                }
                None => return vec![self.unk],
            }
        }
        pieces
    }
}

/// Cleaned, lowercased, accent-free text with spaces around CJK ideographs.
fn normalize(text: &str) -> String {
    let mut cleaned = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\0' || c == '\u{fffd}' || (c.is_control() && !c.is_whitespace()) {
            continue;
        }
        if c.is_whitespace() {
            cleaned.push(' ');
        } else if is_cjk(c) {
            cleaned.extend([' ', c, ' ']);
        } else {
            cleaned.push(c);
        }
    }
    cleaned
        .to_lowercase()
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .collect()
}

/// Words split on whitespace, with every punctuation character a word of its own.
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    for chunk in text.split_whitespace() {
        let mut word = String::new();
        for c in chunk.chars() {
            if is_punctuation(c) {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                words.push(c.to_string());
            } else {
                word.push(c);
            }
        }
        if !word.is_empty() {
            words.push(word);
        }
    }
    words
}

/// ASCII symbols count as punctuation for BERT, like the Unicode punctuation blocks.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(c, '\u{2000}'..='\u{206f}' | '\u{3000}'..='\u{303f}' | '\u{ff01}'..='\u{ff0f}')
}

/// The CJK ideograph blocks BERT splits character by character.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{20000}'..='\u{2a6df}'
        | '\u{2a700}'..='\u{2b73f}' | '\u{2b740}'..='\u{2b81f}' | '\u{2b820}'..='\u{2ceaf}'
        | '\u{f900}'..='\u{faff}' | '\u{2f800}'..='\u{2fa1f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokenizer() -> WordPiece {
        let vocab = [
            "[PAD]", "[UNK]", "[CLS]", "[SEP]", "binary", "search", "##ing", "sort", ",", "(", ")",
            "cafe", "x", "中",
        ];
        let json = serde_json::json!({"model": {"type": "WordPiece", "vocab":
            vocab.iter().enumerate().map(|(i, t)| (t.to_string(), i)).collect::<HashMap<_, _>>()}});
        WordPiece::from_tokenizer_json(json.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn words_are_lowercased_split_on_punctuation_and_cut_into_pieces() {
        let t = tokenizer();
        // [CLS] binary search , sort ##ing ( x ) [SEP]
        assert_eq!(
            t.encode("Binary SEARCH, sorting(x)", 64),
            [2, 4, 5, 8, 7, 6, 9, 12, 10, 3]
        );
    }

    #[test]
    fn accents_controls_and_cjk_are_normalised_and_unknown_words_are_unk() {
        let t = tokenizer();
        assert_eq!(t.encode("Café\u{7}\0", 64), [2, 11, 3]);
        assert_eq!(t.encode("x中x", 64), [2, 12, 13, 12, 3]);
        assert_eq!(t.encode("quicksort", 64), [2, 1, 3]);
        assert_eq!(t.encode(&"x".repeat(101), 64), [2, 1, 3]);
    }

    #[test]
    fn long_texts_are_cut_to_the_budget_with_both_markers() {
        let t = tokenizer();
        let ids = t.encode(&"sort ".repeat(1000), 16);
        assert_eq!(ids.len(), 16);
        assert_eq!((ids[0], ids[15]), (2, 3));
        assert_eq!(t.encode("", 16), [2, 3]);
    }

    #[test]
    fn a_tokenizer_that_is_not_wordpiece_is_refused() {
        let json = br#"{"model": {"type": "BPE", "vocab": {}}}"#;
        let err = WordPiece::from_tokenizer_json(json).unwrap_err();
        assert!(err.to_string().contains("BPE"), "{err}");
    }
}
