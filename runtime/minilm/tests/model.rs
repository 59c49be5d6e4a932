//! The real all-MiniLM-L6-v2 weights (installed by scripts/setup-model into
//! `.models/all-MiniLM-L6-v2`, or wherever `MINILM_MODEL_DIR` points).

use std::sync::OnceLock;

use code_remote_minilm::{MiniLm, DIMENSION};

fn model() -> &'static MiniLm {
    static MODEL: OnceLock<MiniLm> = OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = code_remote_minilm::checkout_dir();
        MiniLm::load(&dir).unwrap_or_else(|err| {
            panic!("the model is not installed ({err}): run scripts/setup-model")
        })
    })
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn vectors_are_unit_length_and_deterministic() {
    let vectors = model()
        .embed(&["binary search", "binary search", ""])
        .unwrap();
    assert_eq!(vectors.len(), 3);
    for vector in &vectors {
        assert_eq!(vector.len(), DIMENSION);
        let norm: f32 = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    }
    assert_eq!(vectors[0], vectors[1]);
}

#[test]
fn padding_does_not_change_a_texts_vector() {
    let short = "merge two sorted lists";
    let long = "a much longer text about walking a graph breadth first with a queue of nodes";
    let alone = model().embed(&[short]).unwrap().remove(0);
    let batched = model().embed(&[short, long]).unwrap().remove(0);
    assert!(
        cosine(&alone, &batched) > 0.9999,
        "{}",
        cosine(&alone, &batched)
    );
}

#[test]
fn texts_that_mean_the_same_are_closer_than_texts_that_do_not() {
    let [query, description, unrelated, code] = [
        "value in a sorted list",
        "Looks a value up in a sorted list",
        "Counts how often each word appears in a sentence",
        "def bisect(xs, target):\n    lo, hi = 0, len(xs)\n    while lo < hi:",
    ];
    let v = model()
        .embed(&[query, description, unrelated, code])
        .unwrap();
    let related = cosine(&v[0], &v[1]);
    let far = cosine(&v[0], &v[2]);
    assert!(related > 0.5, "paraphrases score {related}");
    assert!(related > far + 0.2, "related {related}, unrelated {far}");
    assert!(
        cosine(&v[0], &v[3]) > far,
        "the search code is closer than word counting"
    );
}

#[test]
fn similarities_match_the_reference_implementation() {
    // Cosine similarities sentence-transformers reports for this model on these pairs; a
    // tokenizer or network that differs from the reference moves them.
    let v = model()
        .embed(&[
            "A man is eating food.",
            "A man is eating a piece of bread.",
            "The new movie is awesome",
            "The new movie is so great",
        ])
        .unwrap();
    let food = cosine(&v[0], &v[1]);
    let movie = cosine(&v[2], &v[3]);
    assert!((food - 0.7553).abs() < 1e-3, "{food}");
    assert!((movie - 0.8939).abs() < 1e-3, "{movie}");
}
