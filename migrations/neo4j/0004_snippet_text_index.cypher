// revision: 0004_snippet_text_index
// down_revision: 0003_seed_languages
// description: Full-text index over snippet titles, descriptions and analysis terms, fused with the vector index by searches (docs/search.md)

// migrate:up
CREATE FULLTEXT INDEX snippet_text IF NOT EXISTS
FOR (s:Snippet) ON EACH [s.title, s.description, s.analysis_terms]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}};

// migrate:down
DROP INDEX snippet_text IF EXISTS;
