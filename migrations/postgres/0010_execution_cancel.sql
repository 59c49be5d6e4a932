-- revision: 0010_execution_cancel
-- down_revision: 0009_search_full_text
-- description: A user can stop a run: a queued job ends as cancelled at once; a running job records the request, which its worker sees within a fraction of a second and kills the run (docs/api.md, POST /execute/{job_id}/cancel)

-- migrate:up
ALTER TABLE executions ADD COLUMN cancel_requested_at timestamptz;

-- NOT VALID: every row already satisfies the narrower check this one replaces, so the table is
-- not scanned while the migration holds its lock; new and changed rows are checked as usual.
ALTER TABLE executions DROP CONSTRAINT executions_status_check;
ALTER TABLE executions ADD CONSTRAINT executions_status_check
    CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled'))
    NOT VALID;

-- migrate:down
-- A version without cancellation knows stopped runs only as failed ones.
UPDATE executions SET status = 'failed' WHERE status = 'cancelled';

ALTER TABLE executions DROP CONSTRAINT executions_status_check;
ALTER TABLE executions ADD CONSTRAINT executions_status_check
    CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'timed_out'));

ALTER TABLE executions DROP COLUMN cancel_requested_at;
