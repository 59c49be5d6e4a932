-- revision: 0003_complexity
-- down_revision: 0002_starring
-- description: Store the complexity analysis of each snippet

-- migrate:up
ALTER TABLE snippets
    ADD COLUMN time_complexity varchar(50),
    ADD COLUMN space_complexity varchar(50),
    ADD COLUMN complexity_narrative text,
    ADD COLUMN analyzed_at timestamptz,
    ADD COLUMN model_used varchar(100);

-- migrate:down
ALTER TABLE snippets
    DROP COLUMN model_used,
    DROP COLUMN analyzed_at,
    DROP COLUMN complexity_narrative,
    DROP COLUMN space_complexity,
    DROP COLUMN time_complexity;
