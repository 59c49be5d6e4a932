//! Ranking shared by the backends that score in Rust (cosine similarity plus small boosts), and
//! the bounds every answer is given before it leaves the API ([`presentable`]).

use crate::SearchHit;

/// Added per requested pattern a snippet uses.
pub(crate) const PATTERN_BOOST: f64 = 0.05;

/// Added to a starred snippet.
pub(crate) const STARRED_BOOST: f64 = 0.02;

/// Cosine similarity of two unit vectors (their dot product); a length mismatch scores the common
/// prefix, so a stale dimension degrades ranking instead of failing the request.
pub(crate) fn cosine(a: &[f32], b: &[f32]) -> f64 {
    const LANES: usize = 8;
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    // Eight independent sums let the compiler vectorise the loop (one running sum cannot be
    // reordered under IEEE rules).
    let mut lanes = [0.0f32; LANES];
    let (a_body, a_tail) = a.split_at(n - n % LANES);
    let (b_body, b_tail) = b.split_at(n - n % LANES);
    for (x, y) in a_body.chunks_exact(LANES).zip(b_body.chunks_exact(LANES)) {
        for i in 0..LANES {
            lanes[i] += x[i] * y[i];
        }
    }
    let tail: f32 = a_tail.iter().zip(b_tail).map(|(x, y)| x * y).sum();
    f64::from(lanes.iter().sum::<f32>() + tail)
}

/// Weight of a word match next to vector similarity: the best of 0.05–0.5 on the labelled query
/// set (docs/search.md). Higher weights let one shared title word outrank a closer meaning.
pub(crate) const TEXT_WEIGHT: f64 = 0.1;

/// Vector similarity and word-match strength (in [0, 1)) fused into one relevance.
pub(crate) fn fuse(similarity: f64, text: f64) -> f64 {
    similarity + TEXT_WEIGHT * text
}

/// A document that matched a question's words, from a backend that fuses in Rust.
#[derive(Clone, Debug)]
pub(crate) struct WordMatch {
    /// The result, its score holding only the document's boosts.
    pub(crate) hit: SearchHit,
    /// Word-match strength in [0, 1).
    pub(crate) text: f64,
    /// The document's embedding, to score it against the question when the vector ranking did
    /// not return it.
    pub(crate) embedding: Option<Vec<f32>>,
}

/// Fuses a vector ranking (scores: similarity plus boosts) with word matches: a ranked hit gains
/// its word-match strength; a match the ranking missed is scored from its own embedding (or by
/// its words alone when the question has no embedding). Best `limit`, best first.
pub(crate) fn fuse_hits(
    ranked: Vec<SearchHit>,
    words: Vec<WordMatch>,
    question: Option<&[f32]>,
    limit: usize,
) -> Vec<SearchHit> {
    let mut hits = ranked;
    for word in words {
        let weight = TEXT_WEIGHT * word.text;
        if let Some(hit) = hits
            .iter_mut()
            .find(|h| h.snippet_id == word.hit.snippet_id)
        {
            hit.score += weight;
            continue;
        }
        let mut hit = word.hit;
        hit.score += match (question, &word.embedding) {
            (Some(question), Some(embedding)) => fuse(cosine(question, embedding), word.text),
            (Some(_), None) => weight,
            (None, _) => word.text,
        };
        hits.push(hit);
    }
    hits.sort_by(|a, b| b.score.total_cmp(&a.score));
    hits.truncate(limit);
    hits
}

/// The final score of a candidate.
pub(crate) fn score(similarity: f64, matched_patterns: i64, starred: bool) -> f64 {
    let starred = if starred { STARRED_BOOST } else { 0.0 };
    similarity + PATTERN_BOOST * matched_patterns.max(0) as f64 + starred
}

/// Hits as a caller sees them: those scoring under `floor` (the embedder's, see
/// `Embedder::score_floor`) or under zero dropped, every score within [0, 1] (similarity plus
/// boosts can pass 1), best first.
pub fn presentable(mut hits: Vec<SearchHit>, floor: f64) -> Vec<SearchHit> {
    hits.retain(|hit| hit.score >= floor.max(0.0));
    for hit in &mut hits {
        hit.score = hit.score.clamp(0.0, 1.0);
    }
    hits.sort_by(|a, b| b.score.total_cmp(&a.score));
    hits
}

/// Indices of the `k` best scores, best first (ties keep input order).
pub(crate) fn top_k(scores: &[f64], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    let by_score = |a: &usize, b: &usize| scores[*b].total_cmp(&scores[*a]).then(a.cmp(b));
    if k < order.len() {
        order.select_nth_unstable_by(k, by_score);
        order.truncate(k);
    }
    order.sort_by(by_score);
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_orders_best_first_and_keeps_k() {
        let scores = [0.1, 0.9, 0.5, 0.9, -1.0];
        assert_eq!(top_k(&scores, 3), vec![1, 3, 2]);
        assert_eq!(top_k(&scores, 10), vec![1, 3, 2, 0, 4]);
        assert!(top_k(&scores, 0).is_empty());
    }

    #[test]
    fn cosine_matches_the_plain_dot_product() {
        let a: Vec<f32> = (0..21).map(|i| i as f32 * 0.1).collect();
        let b: Vec<f32> = (0..21).map(|i| 1.0 - i as f32 * 0.05).collect();
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((cosine(&a, &b) - f64::from(plain)).abs() < 1e-4);
        assert_eq!(cosine(&a[..3], &b), cosine(&a[..3], &b[..3]));
    }

    fn hit(score: f64) -> SearchHit {
        SearchHit {
            snippet_id: code_remote_domain::SnippetId::generate(),
            title: None,
            language: "python".into(),
            description: None,
            time_complexity: None,
            space_complexity: None,
            score,
        }
    }

    #[test]
    fn presentable_scores_are_bounded_sorted_and_floored() {
        let hits = || vec![hit(0.4), hit(1.07), hit(-0.05), hit(0.1), hit(0.9)];
        let scores = |hits: Vec<SearchHit>| hits.iter().map(|h| h.score).collect::<Vec<_>>();
        assert_eq!(scores(presentable(hits(), 0.15)), [1.0, 0.9, 0.4]);
        assert_eq!(scores(presentable(hits(), 0.0)), [1.0, 0.9, 0.4, 0.1]);
        assert_eq!(
            scores(presentable(hits(), -1.0)),
            [1.0, 0.9, 0.4, 0.1],
            "never under 0"
        );
    }

    #[test]
    fn word_matches_lift_ranked_hits_and_join_with_their_own_similarity() {
        let (a, b) = (hit(0.45), hit(0.4));
        let missed = hit(0.02);
        let word = |hit: &SearchHit, text: f64, embedding: Option<Vec<f32>>| WordMatch {
            hit: hit.clone(),
            text,
            embedding,
        };
        let fused = fuse_hits(
            vec![a.clone(), b.clone()],
            vec![
                word(&b, 1.0, None),
                word(&missed, 0.9, Some(vec![0.6, 0.8])),
            ],
            Some(&[1.0, 0.0]),
            10,
        );
        let ids: Vec<_> = fused.iter().map(|h| h.snippet_id).collect();
        assert_eq!(ids, [missed.snippet_id, b.snippet_id, a.snippet_id]);
        assert!((fused[0].score - (0.02 + 0.6 + TEXT_WEIGHT * 0.9)).abs() < 1e-6);
        assert!((fused[1].score - (0.4 + TEXT_WEIGHT)).abs() < 1e-9);
        let words_only = fuse_hits(Vec::new(), vec![word(&missed, 0.7, None)], None, 1);
        assert!((words_only[0].score - 0.72).abs() < 1e-9);
        assert_eq!(
            fuse_hits(vec![a, b], Vec::new(), None, 1).len(),
            1,
            "limit holds"
        );
    }

    #[test]
    fn boosts_are_small_next_to_similarity() {
        assert!(score(0.5, 2, true) > score(0.5, 1, true));
        assert!(score(0.5, 0, true) > score(0.5, 0, false));
        assert!(score(0.9, 0, false) > score(0.7, 1, true));
    }
}
