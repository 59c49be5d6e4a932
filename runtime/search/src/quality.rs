//! The project's labelled query set asked through a real search backend, as the API asks it
//! ([`crate::question::ask`], then [`crate::presentable`]), so the figures of docs/search.md are
//! those of the product: its full-text index, its fusion, its floor.
//!
//! Used by the `quality` bench (which prints every method) and by the test that holds the hybrid
//! to its target.

use std::collections::HashMap;

use chrono::Utc;
use code_remote_analysis::quality::{LabelledDocument, LabelledQuery, Quality};
use code_remote_analysis::{AnalysisError, Embedder};
use code_remote_domain::{SnippetId, UserId};
use sqlx::PgPool;

use crate::question::ask;
use crate::{presentable, SearchBackend, SearchError, SnippetDocument};

/// How many results are judged per question (MRR counts ranks past 3).
const DEPTH: usize = 20;

/// Which part of a question is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Word matches only (the question is not embedded).
    Words,
    /// Vector similarity only (the words are not matched).
    Vector,
    /// Both, fused: what the API does.
    Hybrid,
}

/// Why a measurement could not run.
#[derive(Debug, thiserror::Error)]
pub enum QualityError {
    /// The embedder failed.
    #[error("embedding failed: {0}")]
    Embedding(#[from] AnalysisError),
    /// The backend failed.
    #[error(transparent)]
    Search(#[from] SearchError),
    /// Seeding the database failed.
    #[error("seeding the labelled snippets failed: {0}")]
    Database(#[from] sqlx::Error),
}

/// The labelled snippets stored for one user.
#[derive(Debug, Clone)]
pub struct Corpus {
    user: UserId,
    names: Vec<String>,
    index: HashMap<SnippetId, usize>,
}

/// Stores `documents` for a new user: the user and snippet rows in PostgreSQL (the search tables
/// reference them), then one search document each, embedded by `embedder` in batches of 8.
pub async fn seed_postgres(
    pool: &PgPool,
    backend: &dyn SearchBackend,
    embedder: &dyn Embedder,
    documents: &[LabelledDocument],
) -> Result<Corpus, QualityError> {
    let user: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO users (id, cognito_sub) VALUES (gen_random_uuid(), gen_random_uuid()::text)
         RETURNING id",
    )
    .fetch_one(pool)
    .await?;
    let user = UserId::from_uuid(user);
    let mut corpus = Corpus {
        user,
        names: Vec::new(),
        index: HashMap::new(),
    };
    for batch in documents.chunks(8) {
        let inputs: Vec<String> = batch
            .iter()
            .map(LabelledDocument::embedding_input)
            .collect();
        let vectors = embedder.embed_documents(&inputs).await?;
        for (labelled, embedding) in batch.iter().zip(vectors) {
            let id: uuid::Uuid = sqlx::query_scalar(
                "INSERT INTO snippets (id, user_id, title, description, code)
                 VALUES (gen_random_uuid(), $1, $2, $3, $4) RETURNING id",
            )
            .bind(user.as_uuid())
            .bind(&labelled.title)
            .bind(&labelled.description)
            .bind(&labelled.code)
            .fetch_one(pool)
            .await?;
            let snippet_id = SnippetId::from_uuid(id);
            backend
                .upsert(&SnippetDocument {
                    snippet_id,
                    user_id: user,
                    title: labelled.title.clone(),
                    description: labelled.description.clone(),
                    language: "python".into(),
                    time_complexity: labelled.time.clone(),
                    space_complexity: labelled.space.clone(),
                    patterns: labelled.patterns.clone(),
                    embedding,
                    embedder: embedder.id(),
                    is_starred: false,
                    updated_at: Utc::now(),
                })
                .await?;
            corpus.index.insert(snippet_id, corpus.names.len());
            corpus.names.push(labelled.name.clone());
        }
    }
    Ok(corpus)
}

/// Asks every question of `queries` for the corpus's user and judges the answers.
pub async fn measure(
    backend: &dyn SearchBackend,
    corpus: &Corpus,
    embedder: &dyn Embedder,
    queries: &[LabelledQuery],
    answer: Answer,
) -> Result<Quality, QualityError> {
    let mut rankings = Vec::with_capacity(queries.len());
    for labelled in queries {
        let (mut query, _) = ask(&labelled.text, embedder, DEPTH).await?;
        match answer {
            Answer::Words => query.embedding = None,
            Answer::Vector => query.text = None,
            Answer::Hybrid => {}
        }
        let floor = if query.embedding.is_some() {
            embedder.score_floor()
        } else {
            0.0
        };
        let hits = presentable(backend.search(corpus.user, &query).await?, floor);
        rankings.push(
            hits.iter()
                .filter_map(|hit| corpus.index.get(&hit.snippet_id).copied())
                .collect(),
        );
    }
    Ok(Quality::of(&rankings, queries, &corpus.names))
}
