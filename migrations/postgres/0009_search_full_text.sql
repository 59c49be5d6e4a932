-- revision: 0009_search_full_text
-- down_revision: 0008_execution_result_text
-- description: Full-text search over each search document's title, description and analysis terms, so searches fuse word matches with vector similarity; which embedder wrote each vector (docs/search.md)

-- migrate:up
-- The analysis in words: pattern names and growth classes ("binary search logarithmic time").
-- Filled by the sync worker; documents written before this revision get it on their next sync or
-- with `deploy graph resync`.
ALTER TABLE search_documents ADD COLUMN analysis_terms text NOT NULL DEFAULT '';

-- Title weighs most, then description, then the analysis. English stemming, so "sorted" matches
-- "sorting"; a generated column, so no writer can forget it.
ALTER TABLE search_documents ADD COLUMN search_text tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'B')
    || setweight(to_tsvector('english'::regconfig, analysis_terms), 'C')
) STORED;

CREATE INDEX search_documents_text_idx ON search_documents USING gin (search_text);

-- Which embedder wrote the document's vector (`minilm/384`, `gemini/768`); searches compare only
-- vectors of the embedder they run with, until `deploy graph resync` re-embeds the others.
ALTER TABLE search_documents ADD COLUMN embedder text NOT NULL DEFAULT '';

-- migrate:down
DROP INDEX search_documents_text_idx;
ALTER TABLE search_documents
    DROP COLUMN embedder, DROP COLUMN search_text, DROP COLUMN analysis_terms;
