-- revision: 0005_connections
-- down_revision: 0004_executions
-- description: Record WebSocket connections and their owners, so results reach only the job's user

-- migrate:up
CREATE TABLE connections (
    id varchar(256) PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    connected_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX connections_user_idx ON connections (user_id);

-- migrate:down
DROP TABLE connections;
