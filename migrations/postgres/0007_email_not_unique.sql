-- revision: 0007_email_not_unique
-- down_revision: 0006_search_index
-- description: A user is their Cognito subject, not their email: two accounts may carry the same email (a re-created pool, a second identity provider) and must both sign in

-- migrate:up
DROP INDEX users_email_key;
CREATE INDEX users_email_idx ON users (email) WHERE email IS NOT NULL;

-- migrate:down
DROP INDEX users_email_idx;
CREATE UNIQUE INDEX users_email_key ON users (email) WHERE email IS NOT NULL;
