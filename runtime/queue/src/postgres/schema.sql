-- The PostgreSQL queue engine (docs/queues.md): the semantics of SQS FIFO queues that the workers
-- rely on, in the stack's own database. Idempotent: run by every `install`.
CREATE SCHEMA IF NOT EXISTS code_remote_queue;

CREATE TABLE IF NOT EXISTS code_remote_queue.queues (
    name text PRIMARY KEY,
    visibility_timeout interval NOT NULL CHECK (visibility_timeout > interval '0'),
    max_receive_count integer NOT NULL CHECK (max_receive_count > 0),
    dead_letter_queue text REFERENCES code_remote_queue.queues (name)
);

CREATE TABLE IF NOT EXISTS code_remote_queue.messages (
    id bigserial PRIMARY KEY,
    queue text NOT NULL REFERENCES code_remote_queue.queues (name) ON DELETE CASCADE,
    message_id uuid NOT NULL,
    group_id text NOT NULL,
    body text NOT NULL,
    sent_at timestamptz NOT NULL DEFAULT now(),
    receive_count integer NOT NULL DEFAULT 0,
    -- NULL until received; in flight while in the future.
    invisible_until timestamptz,
    -- The handle of the latest receive; deleting needs the latest one.
    receipt uuid UNIQUE
);
CREATE INDEX IF NOT EXISTS messages_in_order ON code_remote_queue.messages (queue, id);
CREATE INDEX IF NOT EXISTS messages_by_group ON code_remote_queue.messages (queue, group_id, id);
-- What a receive asks of every candidate: is anything of its group in flight, and is anything
-- due for the dead-letter queue; both sets are small next to the backlog.
CREATE INDEX IF NOT EXISTS messages_received ON code_remote_queue.messages (queue, group_id)
    WHERE invisible_until IS NOT NULL;

-- Deduplication ids seen in the last five minutes, per message group (SQS's
-- `deduplicationScope: messageGroup`).
CREATE TABLE IF NOT EXISTS code_remote_queue.deduplication (
    queue text NOT NULL,
    group_id text NOT NULL,
    deduplication_id text NOT NULL,
    message_id uuid NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (queue, group_id, deduplication_id)
);
CREATE INDEX IF NOT EXISTS deduplication_expiry ON code_remote_queue.deduplication (queue, expires_at);

-- Sends one message unless its deduplication id was seen in its group in the last five
-- minutes; returns the message id (the first one's for a duplicate, as SQS does) and wakes
-- the queue's receivers. Sends of one group are serialised, so a group's ids are taken in
-- commit order: a message delivered first is never overtaken by one committed after it.
CREATE OR REPLACE FUNCTION code_remote_queue.send(
    p_queue text, p_group text, p_deduplication_id text, p_body text
) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    v_id uuid := gen_random_uuid();
    v_first uuid;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(p_queue), hashtext(p_group));
    DELETE FROM code_remote_queue.deduplication AS d
    WHERE d.queue = p_queue AND d.group_id = p_group AND d.expires_at <= now();
    INSERT INTO code_remote_queue.deduplication AS seen
        (queue, group_id, deduplication_id, message_id, expires_at)
    VALUES (p_queue, p_group, p_deduplication_id, v_id, now() + interval '5 minutes')
    ON CONFLICT (queue, group_id, deduplication_id) DO UPDATE
        SET message_id = EXCLUDED.message_id, expires_at = EXCLUDED.expires_at
        WHERE seen.expires_at <= now()
    RETURNING message_id INTO v_first;
    IF NOT FOUND THEN
        SELECT message_id INTO v_first FROM code_remote_queue.deduplication
        WHERE queue = p_queue AND group_id = p_group AND deduplication_id = p_deduplication_id;
        RETURN v_first;
    END IF;
    INSERT INTO code_remote_queue.messages (queue, message_id, group_id, body)
    VALUES (p_queue, v_id, p_group, p_body);
    PERFORM pg_notify('code_remote_queue', p_queue);
    RETURN v_id;
END $$;

-- Receives up to p_max messages: the oldest message of each group that has nothing in flight
-- and no older message waiting, so a group is handled in order and one message at a time.
-- Messages received max_receive_count times move to the dead-letter queue instead. Receives of
-- one queue are serialised (a transaction-level advisory lock), which is what makes "nothing
-- in flight" hold between concurrent receivers.
CREATE OR REPLACE FUNCTION code_remote_queue.receive(p_queue text, p_max integer)
RETURNS TABLE (message_id uuid, receipt uuid, group_id text, body text, receive_count integer)
LANGUAGE plpgsql AS $$
DECLARE
    q code_remote_queue.queues%ROWTYPE;
    v_now timestamptz;
BEGIN
    SELECT * INTO q FROM code_remote_queue.queues WHERE name = p_queue;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'queue % does not exist', p_queue USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('code_remote_queue'), hashtext(p_queue));
    -- The time after the lock wait, not the transaction's start: a timeout counted from
    -- before the wait would hand messages out already visible again.
    v_now := clock_timestamp();

    IF q.dead_letter_queue IS NOT NULL THEN
        UPDATE code_remote_queue.messages AS m
        SET queue = q.dead_letter_queue, receive_count = 0, invisible_until = NULL, receipt = NULL
        WHERE m.queue = p_queue AND m.receive_count >= q.max_receive_count
          AND m.invisible_until <= v_now;
    END IF;
    DELETE FROM code_remote_queue.deduplication AS d
    WHERE d.queue = p_queue AND d.expires_at <= v_now;

    RETURN QUERY
    WITH picked AS (
        SELECT m.id FROM code_remote_queue.messages AS m
        WHERE m.queue = p_queue
          AND (m.invisible_until IS NULL OR m.invisible_until <= v_now)
          AND NOT EXISTS (
              SELECT 1 FROM code_remote_queue.messages AS other
              WHERE other.queue = m.queue AND other.group_id = m.group_id
                AND (other.id < m.id OR other.invisible_until > v_now))
        ORDER BY m.id
        LIMIT p_max
        FOR UPDATE SKIP LOCKED
    )
    UPDATE code_remote_queue.messages AS m
    SET invisible_until = v_now + q.visibility_timeout,
        receive_count = m.receive_count + 1,
        receipt = gen_random_uuid()
    FROM picked WHERE m.id = picked.id
    RETURNING m.message_id, m.receipt, m.group_id, m.body, m.receive_count;
END $$;

-- Deletes handled messages of p_queue by the receipts of their latest receives (stale
-- receipts delete nothing); the next message of each group becomes receivable, so the queue's
-- receivers are woken. Returns how many were deleted.
CREATE OR REPLACE FUNCTION code_remote_queue.delete(p_queue text, p_receipts uuid[])
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_deleted integer;
BEGIN
    DELETE FROM code_remote_queue.messages
    WHERE queue = p_queue AND receipt = ANY (p_receipts);
    GET DIAGNOSTICS v_deleted = ROW_COUNT;
    IF v_deleted > 0 THEN
        PERFORM pg_notify('code_remote_queue', p_queue);
    END IF;
    RETURN v_deleted;
END $$;
