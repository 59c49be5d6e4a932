-- revision: 0004_executions
-- down_revision: 0003_complexity
-- description: Record code executions (one row per job) and per-snippet run counters

-- migrate:up
CREATE TABLE executions (
    id uuid PRIMARY KEY,
    user_id uuid REFERENCES users (id) ON DELETE CASCADE,
    snippet_id uuid REFERENCES snippets (id) ON DELETE SET NULL,
    code_sha256 bytea,
    status varchar(20) NOT NULL DEFAULT 'queued'
        CONSTRAINT executions_status_check
        CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'timed_out')),
    result jsonb,
    queued_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz
);

CREATE INDEX executions_user_queued_idx ON executions (user_id, queued_at DESC);

ALTER TABLE snippets
    ADD COLUMN execution_count integer NOT NULL DEFAULT 0,
    ADD COLUMN last_execution_at timestamptz;

-- migrate:down
ALTER TABLE snippets
    DROP COLUMN last_execution_at,
    DROP COLUMN execution_count;
DROP TABLE executions;
