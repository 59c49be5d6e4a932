-- revision: 0008_execution_result_text
-- down_revision: 0007_email_not_unique
-- description: An execution's result is kept as JSON text: jsonb refuses the \u0000 escape, so a run whose output held a NUL byte could not be stored and was retried until dead-lettered

-- migrate:up
ALTER TABLE executions ALTER COLUMN result TYPE text USING result::text;

-- migrate:down
-- Results holding \u0000 cannot go back to jsonb: their NUL escapes become U+FFFD.
ALTER TABLE executions ALTER COLUMN result TYPE jsonb
    USING replace(result, '\u0000', '\ufffd')::jsonb;
