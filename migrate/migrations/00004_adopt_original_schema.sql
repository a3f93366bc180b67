-- +goose Up
-- A database set up by the original asynqpg holds asynqpg_tasks with a
-- status of the enum type asynqpg_task_status, smallint attempt counters,
-- constraints this engine does not keep (types under 256 characters,
-- finalized_at tied to the status) and indexes of its own. Migrations 1 to
-- 3 leave such a table as it is (CREATE ... IF NOT EXISTS); this one turns
-- it into the table this engine writes: status as text, integer counters,
-- this schema's indexes and constraints, with every row kept. On a table
-- created by migration 1 it does nothing.
--
-- The table is rewritten while it is locked; on a table of many millions
-- of rows, apply this migration at a quiet time.
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM pg_attribute a
        WHERE a.attrelid = to_regclass('asynqpg_tasks') AND a.attname = 'status'
            AND NOT a.attisdropped AND a.atttypid <> 'text'::regtype
    ) THEN
        -- Indexes and constraints whose definitions name the enum.
        DROP INDEX IF EXISTS asynqpg_tasks_claim_idx, asynqpg_tasks_status_type_idx,
            asynqpg_tasks_finalized_idx, asynqpg_tasks_fetch_idx, asynqpg_tasks_running_idx,
            asynqpg_tasks_ready_idx, asynqpg_tasks_failed_idx, asynqpg_tasks_stuck_idx,
            asynqpg_tasks_idempotency_idx;
        ALTER TABLE asynqpg_tasks
            DROP CONSTRAINT IF EXISTS finalized_or_finalized_at_null,
            DROP CONSTRAINT IF EXISTS type_length,
            DROP CONSTRAINT IF EXISTS attempts_left_non_negative,
            ALTER COLUMN status DROP DEFAULT,
            ALTER COLUMN status TYPE text USING status::text,
            ALTER COLUMN status SET DEFAULT 'pending',
            ALTER COLUMN attempts_left TYPE integer,
            ALTER COLUMN attempts_left SET DEFAULT 3,
            ALTER COLUMN attempts_elapsed TYPE integer,
            ALTER COLUMN payload SET DEFAULT '\x'::bytea,
            ALTER COLUMN blocked_till SET DEFAULT now(),
            ADD CONSTRAINT asynqpg_tasks_status_check
                CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
            ADD CONSTRAINT asynqpg_tasks_type_check CHECK (type <> ''),
            ADD CONSTRAINT asynqpg_tasks_attempts_left_check CHECK (attempts_left >= 0),
            ADD CONSTRAINT asynqpg_tasks_attempts_elapsed_check CHECK (attempts_elapsed >= 0);
        -- This schema's indexes (see migrations 1 and 3).
        CREATE INDEX asynqpg_tasks_claim_idx ON asynqpg_tasks (status, type, blocked_till)
            WHERE status IN ('pending', 'running');
        CREATE INDEX asynqpg_tasks_finalized_idx ON asynqpg_tasks (status, finalized_at)
            WHERE finalized_at IS NOT NULL;
        CREATE INDEX asynqpg_tasks_status_type_idx ON asynqpg_tasks (status, type, id)
            WHERE status IN ('failed', 'cancelled');
        DROP TYPE IF EXISTS asynqpg_task_status;
    END IF;
    -- The original limited leader IDs to 127 characters and named the
    -- leadership by default; this engine sets both itself.
    ALTER TABLE asynqpg_leader DROP CONSTRAINT IF EXISTS leader_id_length;
    ALTER TABLE asynqpg_leader ALTER COLUMN name DROP DEFAULT;
    ALTER TABLE asynqpg_leader ALTER COLUMN elected_at SET DEFAULT now();
END $$;
-- +goose StatementEnd

-- +goose Down
-- Nothing to undo: the table is one this engine's migrations create.
SELECT 1;
