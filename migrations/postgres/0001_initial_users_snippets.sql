-- revision: 0001_initial
-- down_revision: none
-- description: Initial schema: users and their snippets

-- migrate:up
CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    cognito_sub varchar(255) NOT NULL UNIQUE,
    email varchar(255),
    username varchar(255),
    last_login timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Unique only where present: a plain UNIQUE on '' broke the second user without an email.
CREATE UNIQUE INDEX users_email_key ON users (email) WHERE email IS NOT NULL;

CREATE TABLE snippets (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title varchar(255),
    language varchar(50) NOT NULL DEFAULT 'python',
    code text NOT NULL,
    description text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX snippets_user_updated_idx ON snippets (user_id, updated_at DESC);

-- migrate:down
DROP TABLE snippets;
DROP TABLE users;
