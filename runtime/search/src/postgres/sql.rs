//! Every SQL statement of the postgres backend. All values are bound parameters; the only
//! variation between statements is which constant is chosen.

/// The filters of a search question. `$1` user, `$2` lowercased language or null, `$3` starred
/// only, `$4` complexity class or null, `$5` whether that class is about space, `$6` pattern names,
/// `$7` a snippet to exclude or null.
macro_rules! filtered {
    ($select:expr, $tail:expr) => {
        concat!(
            $select,
            ", CASE WHEN cardinality($6::text[]) = 0 THEN 0 ELSE
                (SELECT count(*) FROM search_patterns p
                 WHERE p.snippet_id = d.snippet_id AND p.pattern = ANY($6::text[])) END AS matched
             FROM search_documents d
             WHERE d.user_id = $1
               AND ($2::text IS NULL OR lower(d.language) = $2::text)
               AND (NOT $3::boolean OR d.is_starred)
               AND ($4::text IS NULL
                    OR (CASE WHEN $5::boolean THEN d.space_class ELSE d.time_class END) = $4::text)
               AND (cardinality($6::text[]) = 0 OR EXISTS (
                    SELECT 1 FROM search_patterns p
                    WHERE p.snippet_id = d.snippet_id AND p.pattern = ANY($6::text[])))
               AND ($7::uuid IS NULL OR d.snippet_id <> $7::uuid) ",
            $tail
        )
    };
}

/// Columns of a result row.
macro_rules! hit_columns {
    () => {
        "d.snippet_id, d.title, d.language, d.description, d.time_complexity, d.space_complexity, d.is_starred"
    };
}

/// The user's documents that pass the filters, with revisions for the embedding cache; `$8` caps
/// the candidates. One row of four arrays: decoding four arrays is far cheaper than 10,000 rows.
pub(crate) const CANDIDATES: &str = concat!(
    "SELECT coalesce(array_agg(c.snippet_id), '{}') AS ids,
            coalesce(array_agg(c.revision), '{}') AS revisions,
            coalesce(array_agg(c.is_starred), '{}') AS starred,
            coalesce(array_agg(c.matched), '{}') AS matched
     FROM (",
    filtered!("SELECT d.snippet_id, d.revision, d.is_starred", "LIMIT $8"),
    ") c"
);

/// [`CANDIDATES`] when no filter is set: the same arrays without evaluating filters per row.
pub(crate) const CANDIDATES_ALL: &str = "SELECT coalesce(array_agg(snippet_id), '{}') AS ids,
            coalesce(array_agg(revision), '{}') AS revisions,
            coalesce(array_agg(is_starred), '{}') AS starred,
            coalesce(array_agg(0::bigint), '{}') AS matched
     FROM (SELECT snippet_id, revision, is_starred FROM search_documents
           WHERE user_id = $1 AND ($2::uuid IS NULL OR snippet_id <> $2::uuid) LIMIT $3) c";

/// Filtered documents without a text query: starred first, then most recent; `$8` is the limit.
pub(crate) const STRUCTURED: &str = filtered!(
    concat!("SELECT ", hit_columns!()),
    "ORDER BY d.is_starred DESC, d.updated_at DESC, d.snippet_id LIMIT $8"
);

/// Word-match strength of a document: the share of the question's words (English stems, stop
/// words dropped) that it contains, each counted by where it is found (title 1, description 0.8,
/// analysis terms 0.6), squared so that one incidental shared word barely counts while most of
/// the question's words in a title count fully. In [0, 1].
macro_rules! text_rank {
    () => {
        "(SELECT coalesce(sum(CASE WHEN 'A' = ANY(u.weights) THEN 1.0
                                   WHEN 'B' = ANY(u.weights) THEN 0.8 ELSE 0.6 END), 0)
          FROM unnest(d.search_text) u
          WHERE u.lexeme = ANY(tsvector_to_array(to_tsvector('english', $8)))
         )::float8 / greatest(1, length(to_tsvector('english', $8)))"
    };
}

/// Filtered documents matching any of the words (`$8`, built by `FullText::websearch`), best
/// match first; `$9` is the limit. The word-only answer when there is no embedding.
pub(crate) const FULL_TEXT: &str = filtered!(
    concat!(
        "SELECT ",
        hit_columns!(),
        ", power(",
        text_rank!(),
        ", 2) AS text_rank"
    ),
    "AND d.search_text @@ websearch_to_tsquery('english', $8)
     ORDER BY text_rank DESC, d.is_starred DESC, d.updated_at DESC, d.snippet_id LIMIT $9"
);

/// The word-match strength of the filtered documents matching any of the words, to fuse with
/// vector similarity; `$9` caps how many.
pub(crate) const TEXT_MATCHES: &str = filtered!(
    concat!(
        "SELECT d.snippet_id, power(",
        text_rank!(),
        ", 2) AS text_rank"
    ),
    "AND d.search_text @@ websearch_to_tsquery('english', $8)
     ORDER BY text_rank DESC LIMIT $9"
);

/// pgvector ranking in SQL (used only when the extension is installed); `$9` is the query vector,
/// `$10` the embedder whose vectors are compared (null: all; vectors written before embedders
/// were recorded, `''`, always).
pub(crate) const PGVECTOR: &str = filtered!(
    concat!(
        "SELECT ",
        hit_columns!(),
        ", 1 - ((SELECT e.embedding FROM search_embeddings e WHERE e.snippet_id = d.snippet_id)::vector
              <=> $9::real[]::vector) AS similarity"
    ),
    "AND ($10::text IS NULL OR d.embedder = $10::text OR d.embedder = '')
     ORDER BY similarity DESC LIMIT $8"
);

/// Embeddings of some of the user's documents and the embedder that wrote each, for the cache.
pub(crate) const EMBEDDINGS: &str = "SELECT d.snippet_id, d.revision, d.embedder, e.embedding
     FROM search_documents d JOIN search_embeddings e ON e.snippet_id = d.snippet_id
     WHERE d.user_id = $1 AND d.snippet_id = ANY($2::uuid[])";

/// Result rows of some of the user's documents.
pub(crate) const HITS: &str = concat!(
    "SELECT ",
    hit_columns!(),
    " FROM search_documents d WHERE d.user_id = $1 AND d.snippet_id = ANY($2::uuid[])"
);

/// The user's documents with an exact time complexity.
pub(crate) const BY_TIME: &str = concat!(
    "SELECT ",
    hit_columns!(),
    " FROM search_documents d WHERE d.user_id = $1 AND d.time_complexity = $2
     ORDER BY d.is_starred DESC, d.updated_at DESC, d.snippet_id LIMIT $3"
);

/// The user's documents with an exact space complexity.
pub(crate) const BY_SPACE: &str = concat!(
    "SELECT ",
    hit_columns!(),
    " FROM search_documents d WHERE d.user_id = $1 AND d.space_complexity = $2
     ORDER BY d.is_starred DESC, d.updated_at DESC, d.snippet_id LIMIT $3"
);

/// The embedding of one of the user's documents (the source of a similar-snippets question) and
/// the embedder that wrote it.
pub(crate) const SOURCE: &str = "SELECT e.embedding, d.embedder
     FROM search_documents d JOIN search_embeddings e ON e.snippet_id = d.snippet_id
     WHERE d.snippet_id = $1 AND d.user_id = $2";

/// Inserts or replaces a document unless the stored one is newer.
pub(crate) const UPSERT: &str = "INSERT INTO search_documents
        (snippet_id, user_id, title, description, language, time_complexity, space_complexity,
         time_class, space_class, is_starred, updated_at, analysis_terms, embedder)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (snippet_id) DO UPDATE SET
        user_id = EXCLUDED.user_id, title = EXCLUDED.title, description = EXCLUDED.description,
        language = EXCLUDED.language, time_complexity = EXCLUDED.time_complexity,
        space_complexity = EXCLUDED.space_complexity, time_class = EXCLUDED.time_class,
        space_class = EXCLUDED.space_class, is_starred = EXCLUDED.is_starred,
        updated_at = EXCLUDED.updated_at, analysis_terms = EXCLUDED.analysis_terms,
        embedder = EXCLUDED.embedder,
        revision = nextval('search_revision_seq'), synced_at = now()
     WHERE search_documents.updated_at <= EXCLUDED.updated_at";

/// Writes a document's embedding.
pub(crate) const UPSERT_EMBEDDING: &str = "INSERT INTO search_embeddings (snippet_id, embedding)
     VALUES ($1, $2) ON CONFLICT (snippet_id) DO UPDATE SET embedding = EXCLUDED.embedding";

/// Drops a document's patterns before they are written again.
pub(crate) const CLEAR_PATTERNS: &str = "DELETE FROM search_patterns WHERE snippet_id = $1";

/// Writes a document's patterns.
pub(crate) const INSERT_PATTERNS: &str =
    "INSERT INTO search_patterns (snippet_id, user_id, pattern)
     SELECT DISTINCT $1::uuid, $2::uuid, unnest($3::text[])";

/// Removes a document (its embedding and patterns cascade), naming its owner.
pub(crate) const DELETE: &str =
    "DELETE FROM search_documents WHERE snippet_id = $1 RETURNING user_id";

/// Marks a user's documents as changed.
pub(crate) const BUMP_GENERATION: &str = "INSERT INTO search_generations (user_id, generation)
     VALUES ($1, nextval('search_revision_seq'))
     ON CONFLICT (user_id) DO UPDATE SET generation = EXCLUDED.generation";

/// A user's current generation.
pub(crate) const GENERATION: &str = "SELECT generation FROM search_generations WHERE user_id = $1";

/// Documents per embedder.
pub(crate) const VECTOR_SPACES: &str =
    "SELECT embedder, count(*) AS documents FROM search_documents GROUP BY embedder ORDER BY embedder";

/// Every document id.
pub(crate) const DOCUMENT_IDS: &str = "SELECT snippet_id FROM search_documents";

/// Whether pgvector is installed in this database.
pub(crate) const HAS_PGVECTOR: &str =
    "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')";
