//! Every Cypher statement of the neo4j backend, with the parameters it binds.
//!
//! Statements are constants; user input only ever travels as parameters, and which constant runs
//! is chosen by typed values (the complexity kind picks a relationship type). Nothing a model
//! writes is ever executed. Questions are read-only statements (no `CREATE`, `MERGE`, `SET`,
//! `DELETE`, `REMOVE` or `CALL {`; the tests check), scoped to `$user_id`, ending in `LIMIT`.

use code_remote_analysis::intent::ComplexityKind;
use code_remote_domain::{SnippetId, UserId};

use crate::document::{SemanticQuery, SnippetDocument};
use crate::MAX_LIMIT;

/// A parameter value, kept in a form tests can compare.
#[derive(Clone, Debug, PartialEq)]
pub enum Param {
    /// A string.
    Text(String),
    /// An optional string (`null` when absent).
    OptionalText(Option<String>),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A list of strings.
    TextList(Vec<String>),
    /// A vector.
    Floats(Vec<f32>),
}

impl From<Param> for neo4rs::BoltType {
    fn from(param: Param) -> Self {
        match param {
            Param::Text(value) => value.into(),
            Param::OptionalText(value) => value.into(),
            Param::Int(value) => value.into(),
            Param::Bool(value) => value.into(),
            Param::TextList(values) => values.into(),
            Param::Floats(values) => values
                .into_iter()
                .map(f64::from)
                .collect::<Vec<f64>>()
                .into(),
        }
    }
}

/// One statement and its parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// The Cypher text, one of this module's constants.
    pub text: &'static str,
    /// Named parameters.
    pub params: Vec<(&'static str, Param)>,
}

impl Statement {
    /// The value bound to `name`, if any (for tests and logs).
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value)
    }

    /// The neo4rs query.
    pub fn into_query(self) -> neo4rs::Query {
        self.params
            .into_iter()
            .fold(neo4rs::query(self.text), |query, (key, value)| {
                query.param(key, neo4rs::BoltType::from(value))
            })
    }
}

/// Creates or updates the snippet node and its owner unless the stored node is newer; returns a
/// row only when it wrote.
pub const UPSERT_SNIPPET: &str = "MERGE (u:User {id: $user_id})
MERGE (s:Snippet {id: $snippet_id})
WITH u, s
WHERE s.updated_at IS NULL OR s.updated_at <= $updated_at
SET s.title = $title, s.description = $description, s.language = $language,
    s.time_complexity = $time_complexity, s.space_complexity = $space_complexity,
    s.time_class = $time_class, s.space_class = $space_class, s.is_starred = $is_starred,
    s.analysis_terms = $analysis_terms, s.embedding = $embedding, s.embedder = $embedder,
    s.updated_at = $updated_at, s.synced_at = timestamp()
MERGE (u)-[:OWNS]->(s)
RETURN s.id AS id";

/// Replaces the snippet's outgoing edges, merging every node they point at (a language, notation
/// or pattern seen for the first time gets its node instead of a silently dropped edge).
pub const REPLACE_EDGES: &str = "MATCH (s:Snippet {id: $snippet_id})
OPTIONAL MATCH (s)-[r:WRITTEN_IN|HAS_TIME_COMPLEXITY|HAS_SPACE_COMPLEXITY|USES]->()
DELETE r
WITH DISTINCT s
MERGE (l:Language {name: $language})
MERGE (s)-[:WRITTEN_IN]->(l)
FOREACH (n IN CASE WHEN $time_complexity IS NULL THEN [] ELSE [$time_complexity] END |
    MERGE (c:Complexity {notation: n}) MERGE (s)-[:HAS_TIME_COMPLEXITY]->(c))
FOREACH (n IN CASE WHEN $space_complexity IS NULL THEN [] ELSE [$space_complexity] END |
    MERGE (c:Complexity {notation: n}) MERGE (s)-[:HAS_SPACE_COMPLEXITY]->(c))
FOREACH (p IN $patterns | MERGE (pt:Pattern {name: p}) MERGE (s)-[:USES]->(pt))";

/// Sets or clears the owner's STARRED edge.
pub const SET_STARRED: &str = "MATCH (u:User {id: $user_id})-[:OWNS]->(s:Snippet {id: $snippet_id})
OPTIONAL MATCH (u)-[old:STARRED]->(s)
DELETE old
WITH DISTINCT u, s
FOREACH (_ IN CASE WHEN $is_starred THEN [1] ELSE [] END | MERGE (u)-[:STARRED]->(s))";

/// Removes a snippet and its edges.
pub const DELETE_SNIPPET: &str = "MATCH (s:Snippet {id: $snippet_id}) DETACH DELETE s";

/// Filters shared by both search statements (`s` is a snippet the user owns).
macro_rules! filters {
    () => {
        "($language IS NULL OR toLower(s.language) = $language)
  AND (NOT $starred_only OR EXISTS { MATCH (u)-[:STARRED]->(s) })
  AND ($complexity_class IS NULL
       OR (CASE WHEN $space THEN s.space_class ELSE s.time_class END) = $complexity_class)
  AND (size($patterns) = 0 OR EXISTS { MATCH (s)-[:USES]->(pt:Pattern) WHERE pt.name IN $patterns })
  AND ($exclude_id IS NULL OR s.id <> $exclude_id)"
    };
}

/// Boosts: a pattern asked for and used adds 0.05, starred adds 0.02 (the postgres backend's).
/// A `COUNT { }` subquery, the form both Neo4j 5 and other Cypher servers accept in projections.
macro_rules! boost {
    () => {
        "0.05 * COUNT { MATCH (s)-[:USES]->(pt:Pattern) WHERE pt.name IN $patterns }
     + CASE WHEN s.is_starred THEN 0.02 ELSE 0.0 END"
    };
}

/// The columns of a result.
macro_rules! hit_columns {
    () => {
        "s.id AS snippet_id, s.title AS title, s.language AS language,
       s.description AS description, s.time_complexity AS time_complexity,
       s.space_complexity AS space_complexity"
    };
}

/// Result columns with boosts, best first.
macro_rules! ranked_return {
    () => {
        concat!(
            "WITH s, base + ",
            boost!(),
            " AS score
RETURN ",
            hit_columns!(),
            ", score
ORDER BY score DESC, s.updated_at DESC
LIMIT $limit"
        )
    };
}

/// Semantic search through the `snippet_embedding` vector index. The index answers over all
/// users, so it is asked for `$candidates` (many more than `$limit`) before scoping to the user.
/// The index scores cosine similarity as (1 + cosine) / 2; `2 * score - 1` gives the cosine back,
/// so scores mean what the postgres backend's mean. Only vectors `$vector_space` (the embedder's
/// id; null: any) wrote are compared, and those written before embedders were recorded.
pub const SEMANTIC: &str = concat!(
    "CALL db.index.vector.queryNodes('snippet_embedding', $candidates, $embedding)
YIELD node AS s, score AS index_score
MATCH (u:User {id: $user_id})-[:OWNS]->(s)
WHERE ($vector_space IS NULL OR s.embedder IS NULL OR s.embedder = $vector_space)
  AND ",
    filters!(),
    "\nWITH s, 2.0 * index_score - 1.0 AS base\n",
    ranked_return!()
);

/// Word matches through the `snippet_text` full-text index (title, description, analysis terms;
/// `$text` built by `FullText::lucene`), scoped to the user. The Lucene score becomes
/// score / (1 + score), in [0, 1) like the postgres backend's; each row carries its boost and its
/// embedding, so matches the vector index did not return are scored against the question here.
pub const FULL_TEXT: &str = concat!(
    "CALL db.index.fulltext.queryNodes('snippet_text', $text)
YIELD node AS s, score AS lucene
MATCH (u:User {id: $user_id})-[:OWNS]->(s)
WHERE ",
    filters!(),
    "
RETURN ",
    hit_columns!(),
    ", lucene / (1.0 + lucene) AS text, ",
    boost!(),
    " AS boost, s.embedding AS embedding, s.embedder AS embedder
ORDER BY text DESC, s.updated_at DESC
LIMIT $text_limit"
);

/// A question on a server without the `snippet_embedding` and `snippet_text` indexes (a Bolt
/// server that is not Neo4j, or a Neo4j whose indexes are not created yet): the user's snippets
/// that pass the filters, each with its vector and boosts, and how much of the question's words
/// (`$terms`, stop words dropped) its fields contain, weighted as the postgres backend weighs them
/// (title 1, description 0.8, analysis terms 0.6) but matched as substrings, without stemming.
/// The backend ranks them in Rust.
pub const EXACT: &str = concat!(
    "MATCH (u:User {id: $user_id})-[:OWNS]->(s:Snippet)
WHERE ",
    filters!(),
    "
RETURN ",
    hit_columns!(),
    ", ",
    boost!(),
    " AS boost, s.embedding AS embedding, s.embedder AS embedder,
       CASE WHEN size($terms) = 0 THEN 0.0 ELSE reduce(found = 0.0, w IN $terms | found +
           CASE WHEN toLower(coalesce(s.title, '')) CONTAINS w THEN 1.0
                WHEN toLower(coalesce(s.description, '')) CONTAINS w THEN 0.8
                WHEN toLower(coalesce(s.analysis_terms, '')) CONTAINS w THEN 0.6
                ELSE 0.0 END) / size($terms) END AS coverage
ORDER BY s.updated_at DESC
LIMIT $candidates"
);

/// Which of the search indexes the server has (`SHOW INDEXES` answers on Neo4j and ArcadeDB).
pub const INDEXES: &str = "SHOW INDEXES YIELD name RETURN name";

/// Structured search without text: the user's snippets that pass the filters.
pub const STRUCTURED: &str = concat!(
    "MATCH (u:User {id: $user_id})-[:OWNS]->(s:Snippet)
WHERE ",
    filters!(),
    "\nWITH s, 1.0 AS base\n",
    ranked_return!()
);

/// The user's snippets with an exact time complexity.
pub const BY_TIME: &str = "MATCH (u:User {id: $user_id})-[:OWNS]->(s:Snippet)-[:HAS_TIME_COMPLEXITY]->(:Complexity {notation: $notation})
RETURN s.id AS snippet_id, s.title AS title, s.language AS language,
       s.description AS description, s.time_complexity AS time_complexity,
       s.space_complexity AS space_complexity, 1.0 AS score
ORDER BY s.is_starred DESC, s.updated_at DESC
LIMIT $limit";

/// The user's snippets with an exact space complexity.
pub const BY_SPACE: &str = "MATCH (u:User {id: $user_id})-[:OWNS]->(s:Snippet)-[:HAS_SPACE_COMPLEXITY]->(:Complexity {notation: $notation})
RETURN s.id AS snippet_id, s.title AS title, s.language AS language,
       s.description AS description, s.time_complexity AS time_complexity,
       s.space_complexity AS space_complexity, 1.0 AS score
ORDER BY s.is_starred DESC, s.updated_at DESC
LIMIT $limit";

/// The embedding of one of the user's snippets.
pub const SOURCE_EMBEDDING: &str =
    "MATCH (u:User {id: $user_id})-[:OWNS]->(s:Snippet {id: $snippet_id})
RETURN s.embedding AS embedding, s.embedder AS embedder
LIMIT 1";

/// Snippets per embedder (documents written before embedders were recorded count as `""`).
pub const VECTOR_SPACES: &str = "MATCH (s:Snippet)
RETURN coalesce(s.embedder, '') AS embedder, count(*) AS documents
ORDER BY embedder";

/// Every snippet id in the graph (for resync).
pub const DOCUMENT_IDS: &str = "MATCH (s:Snippet) RETURN s.id AS id";

/// How many index candidates a semantic question asks for per result wanted.
const CANDIDATES_PER_RESULT: usize = 20;

/// Upper bound on index candidates.
const MAX_CANDIDATES: usize = 2_000;

/// Most word matches one question fuses.
const MAX_TEXT_MATCHES: i64 = 200;

/// Most snippets a question ranks without the indexes (a user with more sees the newest).
pub const MAX_EXACT: i64 = 10_000;

fn id(value: impl ToString) -> Param {
    Param::Text(value.to_string())
}

/// Microseconds since the epoch: the version compared by [`UPSERT_SNIPPET`].
fn version(document: &SnippetDocument) -> i64 {
    document.updated_at.timestamp_micros()
}

/// The three write statements of an upsert, in order; the last two run only if the first wrote.
pub fn upsert(document: &SnippetDocument) -> [Statement; 3] {
    let snippet = ("snippet_id", id(document.snippet_id));
    let user = ("user_id", id(document.user_id));
    let time = (
        "time_complexity",
        Param::OptionalText(document.time_notation()),
    );
    let space = (
        "space_complexity",
        Param::OptionalText(document.space_notation()),
    );
    let language = ("language", Param::Text(document.language_key()));
    [
        Statement {
            text: UPSERT_SNIPPET,
            params: vec![
                user.clone(),
                snippet.clone(),
                ("updated_at", Param::Int(version(document))),
                ("title", Param::OptionalText(document.title.clone())),
                (
                    "description",
                    Param::OptionalText(document.description.clone()),
                ),
                language.clone(),
                time.clone(),
                space.clone(),
                (
                    "time_class",
                    Param::OptionalText(document.time_class().map(str::to_owned)),
                ),
                (
                    "space_class",
                    Param::OptionalText(document.space_class().map(str::to_owned)),
                ),
                ("is_starred", Param::Bool(document.is_starred)),
                ("analysis_terms", Param::Text(document.analysis_terms())),
                ("embedding", Param::Floats(document.embedding.clone())),
                ("embedder", Param::Text(document.embedder.clone())),
            ],
        },
        Statement {
            text: REPLACE_EDGES,
            params: vec![
                snippet.clone(),
                language,
                time,
                space,
                ("patterns", Param::TextList(document.patterns.clone())),
            ],
        },
        Statement {
            text: SET_STARRED,
            params: vec![
                user,
                snippet,
                ("is_starred", Param::Bool(document.is_starred)),
            ],
        },
    ]
}

/// Removes one snippet.
pub fn delete(snippet: SnippetId) -> Statement {
    Statement {
        text: DELETE_SNIPPET,
        params: vec![("snippet_id", id(snippet))],
    }
}

/// The filter parameters every question binds.
fn filter_params(user: UserId, query: &SemanticQuery) -> Vec<(&'static str, Param)> {
    let filters = &query.filters;
    vec![
        ("user_id", id(user)),
        ("language", Param::OptionalText(filters.language.clone())),
        ("starred_only", Param::Bool(filters.starred_only)),
        (
            "complexity_class",
            Param::OptionalText(filters.complexity_class.map(str::to_owned)),
        ),
        ("space", Param::Bool(filters.is_space())),
        ("patterns", Param::TextList(filters.patterns.clone())),
        (
            "exclude_id",
            Param::OptionalText(query.exclude.map(|s| s.to_string())),
        ),
    ]
}

/// A search question's ranked statement: [`SEMANTIC`] with an embedding (comparing only vectors
/// of the question's vector space, when given), [`STRUCTURED`] without. Word matches are asked
/// separately ([`full_text`]) and fused by the backend.
pub fn search(user: UserId, query: &SemanticQuery) -> Statement {
    let limit = query.limit.clamp(1, MAX_LIMIT);
    let mut params = filter_params(user, query);
    params.push(("limit", Param::Int(limit as i64)));
    match &query.embedding {
        Some(embedding) => {
            params.push(("embedding", Param::Floats(embedding.clone())));
            params.push((
                "vector_space",
                Param::OptionalText(query.vector_space.clone()),
            ));
            params.push((
                "candidates",
                Param::Int((limit * CANDIDATES_PER_RESULT).min(MAX_CANDIDATES) as i64),
            ));
            Statement {
                text: SEMANTIC,
                params,
            }
        }
        None => Statement {
            text: STRUCTURED,
            params,
        },
    }
}

/// The word matches of a question with words ([`FULL_TEXT`]); `None` without words.
pub fn full_text(user: UserId, query: &SemanticQuery) -> Option<Statement> {
    let text = query.text.as_ref()?;
    let mut params = filter_params(user, query);
    params.push(("text", Param::Text(text.lucene())));
    params.push(("text_limit", Param::Int(MAX_TEXT_MATCHES)));
    Some(Statement {
        text: FULL_TEXT,
        params,
    })
}

/// A question ranked without the indexes ([`EXACT`]): at most [`MAX_EXACT`] candidates.
pub fn exact(user: UserId, query: &SemanticQuery) -> Statement {
    let mut params = filter_params(user, query);
    params.push((
        "terms",
        Param::TextList(
            query
                .text
                .as_ref()
                .map(|text| text.content_terms())
                .unwrap_or_default(),
        ),
    ));
    params.push(("candidates", Param::Int(MAX_EXACT)));
    Statement {
        text: EXACT,
        params,
    }
}

/// The server's index names.
pub fn indexes() -> Statement {
    Statement {
        text: INDEXES,
        params: Vec::new(),
    }
}

/// The user's snippets with an exact (canonical) complexity.
pub fn by_complexity(
    user: UserId,
    kind: ComplexityKind,
    notation: &str,
    limit: usize,
) -> Statement {
    Statement {
        text: match kind {
            ComplexityKind::Time => BY_TIME,
            ComplexityKind::Space => BY_SPACE,
        },
        params: vec![
            ("user_id", id(user)),
            ("notation", Param::Text(notation.to_owned())),
            ("limit", Param::Int(limit.clamp(1, MAX_LIMIT) as i64)),
        ],
    }
}

/// The embedding of one of the user's snippets.
pub fn source_embedding(user: UserId, snippet: SnippetId) -> Statement {
    Statement {
        text: SOURCE_EMBEDDING,
        params: vec![("user_id", id(user)), ("snippet_id", id(snippet))],
    }
}

/// Snippets per embedder.
pub fn vector_spaces() -> Statement {
    Statement {
        text: VECTOR_SPACES,
        params: Vec::new(),
    }
}

/// Every snippet id.
pub fn document_ids() -> Statement {
    Statement {
        text: DOCUMENT_IDS,
        params: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::SearchFilters;
    use crate::FullText;
    use chrono::{TimeZone, Utc};

    const WRITES: [&str; 6] = ["CREATE", "MERGE", "SET ", "DELETE", "REMOVE", "CALL {"];

    fn document() -> SnippetDocument {
        SnippetDocument {
            snippet_id: SnippetId::generate(),
            user_id: UserId::generate(),
            title: Some("Fib".into()),
            description: None,
            language: "Haskell".into(),
            time_complexity: Some("O(n²)".into()),
            space_complexity: None,
            patterns: vec!["recursion".into(), "memoization".into()],
            embedding: vec![0.6, 0.8],
            embedder: "minilm/384".into(),
            is_starred: true,
            updated_at: Utc
                .timestamp_opt(1_700_000_000, 5_000)
                .single()
                .unwrap_or_default(),
        }
    }

    /// Every `$name` in a statement's text.
    fn placeholders(text: &str) -> Vec<String> {
        let mut out: Vec<String> = text
            .split('$')
            .skip(1)
            .map(|rest| {
                rest.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect()
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    fn assert_bound(statement: &Statement) {
        let mut names: Vec<String> = statement
            .params
            .iter()
            .map(|(k, _)| k.to_string())
            .collect();
        names.sort();
        names.dedup();
        assert_eq!(placeholders(statement.text), names, "{}", statement.text);
    }

    #[test]
    fn upsert_merges_every_node_and_binds_normalised_values() {
        let doc = document();
        let [node, edges, star] = upsert(&doc);
        for statement in [&node, &edges, &star] {
            assert_bound(statement);
        }
        assert!(node.text.contains("MERGE (u:User {id: $user_id})"));
        assert!(node.text.contains("s.updated_at <= $updated_at"));
        assert!(node.text.contains("MERGE (u)-[:OWNS]->(s)"));
        for merged in [
            "MERGE (l:Language {name: $language})",
            "MERGE (c:Complexity {notation: n})",
            "MERGE (pt:Pattern {name: p})",
            "MERGE (s)-[:WRITTEN_IN]->(l)",
            "MERGE (s)-[:HAS_TIME_COMPLEXITY]->(c)",
            "MERGE (s)-[:HAS_SPACE_COMPLEXITY]->(c)",
            "MERGE (s)-[:USES]->(pt)",
        ] {
            assert!(edges.text.contains(merged), "{merged}");
        }
        assert!(star.text.contains("MERGE (u)-[:STARRED]->(s)"));
        assert_eq!(
            node.param("time_complexity"),
            Some(&Param::OptionalText(Some("O(n^2)".into())))
        );
        assert_eq!(
            node.param("time_class"),
            Some(&Param::OptionalText(Some("quadratic".into())))
        );
        assert_eq!(
            node.param("space_complexity"),
            Some(&Param::OptionalText(None))
        );
        assert_eq!(
            edges.param("language"),
            Some(&Param::Text("haskell".into()))
        );
        assert_eq!(
            edges.param("patterns"),
            Some(&Param::TextList(vec![
                "recursion".into(),
                "memoization".into()
            ]))
        );
        assert_eq!(
            node.param("updated_at"),
            Some(&Param::Int(1_700_000_000_000_005))
        );
        assert_eq!(
            node.param("snippet_id"),
            Some(&Param::Text(doc.snippet_id.to_string()))
        );
        assert_eq!(star.param("is_starred"), Some(&Param::Bool(true)));
        assert_eq!(
            node.param("analysis_terms"),
            Some(&Param::Text("recursion memoization quadratic time".into()))
        );
    }

    #[test]
    fn questions_are_read_only_scoped_and_limited() {
        let user = UserId::generate();
        let filters = SearchFilters {
            language: Some("python".into()),
            starred_only: true,
            complexity_class: Some("quadratic"),
            complexity_kind: Some(ComplexityKind::Space),
            patterns: vec!["recursion".into()],
        };
        let semantic = search(
            user,
            &SemanticQuery {
                embedding: Some(vec![1.0, 0.0]),
                text: FullText::parse("binary (search) OR x"),
                filters: filters.clone(),
                exclude: None,
                limit: 500,
                vector_space: Some("minilm/384".into()),
            },
        );
        let words = full_text(
            user,
            &SemanticQuery {
                embedding: None,
                text: FullText::parse("binary (search) OR x"),
                filters: filters.clone(),
                exclude: None,
                limit: 5,
                vector_space: None,
            },
        )
        .expect("a question with words asks the full-text index");
        let structured = search(
            user,
            &SemanticQuery {
                embedding: None,
                text: None,
                filters,
                exclude: Some(SnippetId::generate()),
                limit: 5,
                vector_space: None,
            },
        );
        let complexity = by_complexity(user, ComplexityKind::Space, "O(n)", 20);
        let exact_question = exact(
            user,
            &SemanticQuery {
                text: FullText::parse("value in a sorted list"),
                ..SemanticQuery::default()
            },
        );
        assert_eq!(
            exact_question.param("terms"),
            Some(&Param::TextList(vec![
                "value".into(),
                "sorted".into(),
                "list".into()
            ]))
        );
        let source = source_embedding(user, SnippetId::generate());
        assert!(full_text(user, &SemanticQuery::default()).is_none());
        for statement in [
            &semantic,
            &words,
            &structured,
            &complexity,
            &source,
            &exact_question,
        ] {
            assert_bound(statement);
            for write in WRITES {
                assert!(
                    !statement.text.contains(write),
                    "{write} in {}",
                    statement.text
                );
            }
            assert!(statement.text.contains("(u:User {id: $user_id})-[:OWNS]->"));
            assert!(statement.text.contains("LIMIT"));
            assert_eq!(
                statement.param("user_id"),
                Some(&Param::Text(user.to_string()))
            );
        }
        assert_eq!(semantic.text, SEMANTIC);
        assert!(SEMANTIC.contains("db.index.vector.queryNodes('snippet_embedding'"));
        assert_eq!(semantic.param("limit"), Some(&Param::Int(MAX_LIMIT as i64)));
        assert_eq!(
            semantic.param("candidates"),
            Some(&Param::Int(MAX_CANDIDATES as i64))
        );
        assert_eq!(semantic.param("space"), Some(&Param::Bool(true)));
        assert_eq!(
            semantic.param("vector_space"),
            Some(&Param::OptionalText(Some("minilm/384".into())))
        );
        assert_eq!(words.text, FULL_TEXT);
        assert!(FULL_TEXT.contains("db.index.fulltext.queryNodes('snippet_text', $text)"));
        assert_eq!(
            words.param("text"),
            Some(&Param::Text("binary OR search OR x".into())),
            "only words reach Lucene"
        );
        assert_eq!(structured.text, STRUCTURED);
        assert_eq!(structured.param("limit"), Some(&Param::Int(5)));
        assert!(matches!(
            structured.param("exclude_id"),
            Some(Param::OptionalText(Some(_)))
        ));
        assert_eq!(complexity.text, BY_SPACE);
        assert_eq!(
            by_complexity(user, ComplexityKind::Time, "O(n)", 0).text,
            BY_TIME
        );
        assert_eq!(
            by_complexity(user, ComplexityKind::Time, "O(n)", 0).param("limit"),
            Some(&Param::Int(1))
        );
    }

    #[test]
    fn hostile_text_stays_a_parameter() {
        let user = UserId::generate();
        let hostile = "O(n)}) MATCH (x) DETACH DELETE x //";
        let statement = by_complexity(user, ComplexityKind::Time, hostile, 10);
        assert_eq!(statement.text, BY_TIME);
        assert_eq!(
            statement.param("notation"),
            Some(&Param::Text(hostile.into()))
        );
        assert_eq!(delete(SnippetId::generate()).text, DELETE_SNIPPET);
        assert!(document_ids().params.is_empty());
    }
}
