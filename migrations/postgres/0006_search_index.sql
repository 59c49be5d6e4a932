-- revision: 0006_search_index
-- down_revision: 0005_connections
-- description: Search documents (embeddings, patterns) for the postgres search backend, and the analysis bookkeeping of the sync worker

-- migrate:up
-- pgvector ranks in SQL where the extension is available (Aurora has it); elsewhere the backend
-- scans the user's embeddings exactly, so the extension is optional.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
        CREATE EXTENSION IF NOT EXISTS vector;
    END IF;
END
$$;

-- What the last analysis found beyond the complexities, and which code it analysed, so the sync
-- worker re-analyses only when the code changed.
ALTER TABLE snippets
    ADD COLUMN analysis_patterns text[] NOT NULL DEFAULT '{}',
    ADD COLUMN analyzed_code_sha256 bytea;

-- Every write of a document takes a new revision, so caches of embeddings know what is stale.
CREATE SEQUENCE search_revision_seq;

CREATE TABLE search_documents (
    snippet_id uuid PRIMARY KEY REFERENCES snippets (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title varchar(255),
    description text,
    language varchar(50) NOT NULL,
    time_complexity varchar(50),
    space_complexity varchar(50),
    time_class varchar(20),
    space_class varchar(20),
    is_starred boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL,
    revision bigint NOT NULL DEFAULT nextval('search_revision_seq'),
    synced_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX search_documents_user_idx
    ON search_documents (user_id, is_starred DESC, updated_at DESC);

-- A user's documents change together with their generation, so a reader that cached them knows
-- with one primary-key lookup whether its copy is current.
CREATE TABLE search_generations (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    generation bigint NOT NULL
);

-- Vectors apart from the documents, so scanning a user's documents reads narrow rows.
CREATE TABLE search_embeddings (
    snippet_id uuid PRIMARY KEY REFERENCES search_documents (snippet_id) ON DELETE CASCADE,
    embedding real[] NOT NULL
);

CREATE TABLE search_patterns (
    snippet_id uuid NOT NULL REFERENCES search_documents (snippet_id) ON DELETE CASCADE,
    user_id uuid NOT NULL,
    pattern varchar(50) NOT NULL,
    PRIMARY KEY (snippet_id, pattern)
);

CREATE INDEX search_patterns_user_pattern_idx ON search_patterns (user_id, pattern);

-- migrate:down
DROP TABLE search_patterns;
DROP TABLE search_embeddings;
DROP TABLE search_generations;
DROP TABLE search_documents;
DROP SEQUENCE search_revision_seq;
ALTER TABLE snippets
    DROP COLUMN analyzed_code_sha256,
    DROP COLUMN analysis_patterns;
