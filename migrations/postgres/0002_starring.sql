-- revision: 0002_starring
-- down_revision: 0001_initial
-- description: Let users star snippets; starred first in listings

-- migrate:up
ALTER TABLE snippets ADD COLUMN is_starred boolean NOT NULL DEFAULT false;

DROP INDEX snippets_user_updated_idx;
CREATE INDEX snippets_user_starred_updated_idx
    ON snippets (user_id, is_starred DESC, updated_at DESC);

-- migrate:down
DROP INDEX snippets_user_starred_updated_idx;
CREATE INDEX snippets_user_updated_idx ON snippets (user_id, updated_at DESC);
ALTER TABLE snippets DROP COLUMN is_starred;
