-- +goose Up
-- Scheduling beyond first in, first out: task priorities, unique tasks,
-- paused task types and the instants of periodic tasks. Every change keeps the rows there are: the new
-- columns have constant defaults (no table rewrite), and tasks enqueued
-- before it have priority 0 and no unique key.
ALTER TABLE asynqpg_tasks ADD COLUMN IF NOT EXISTS priority integer NOT NULL DEFAULT 0;
ALTER TABLE asynqpg_tasks ADD COLUMN IF NOT EXISTS unique_key text;
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = to_regclass('asynqpg_tasks') AND conname = 'asynqpg_tasks_priority_check') THEN
        ALTER TABLE asynqpg_tasks ADD CONSTRAINT asynqpg_tasks_priority_check CHECK (priority BETWEEN -100 AND 100);
    END IF;
END $$;
-- +goose StatementEnd

-- Unique tasks: one live task (not failed, not cancelled) per type and
-- unique key; the key names the window and the payload.
CREATE UNIQUE INDEX IF NOT EXISTS asynqpg_tasks_unique_key_idx
    ON asynqpg_tasks (type, unique_key)
    WHERE unique_key IS NOT NULL AND status IN ('pending', 'running', 'completed');

-- The claim index gains the priority of pending tasks, ahead of
-- blocked_till, so that one ordered scan yields the ready tasks of a type
-- by priority, then blocked_till, then id. Running rows are ranked 0, so
-- that the scan for leases that passed stays a range of blocked_till, and
-- the rescuer's scan of running rows is unchanged. It replaces the index
-- of migration 3 under the same name.
--
-- The index is built while the table is locked against writes; on a table
-- of many millions of rows, apply this migration at a quiet time.
DROP INDEX IF EXISTS asynqpg_tasks_claim_idx;
CREATE INDEX asynqpg_tasks_claim_idx
    ON asynqpg_tasks (status, type, (CASE WHEN status = 'pending' THEN priority ELSE 0 END) DESC, blocked_till, id)
    WHERE status IN ('pending', 'running');

-- Paused task types: consumers claim none of their tasks.
CREATE TABLE IF NOT EXISTS asynqpg_paused_types (
    type      text        PRIMARY KEY CHECK (type <> ''),
    paused_at timestamptz NOT NULL DEFAULT now()
);

-- Periodic tasks: the last instant enqueued for each name, so that an
-- instant is enqueued once whichever consumer leads.
CREATE TABLE IF NOT EXISTS asynqpg_periodic (
    name        text        PRIMARY KEY CHECK (name <> ''),
    last_at     timestamptz NOT NULL,
    enqueued_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE IF EXISTS asynqpg_periodic;
DROP TABLE IF EXISTS asynqpg_paused_types;
DROP INDEX IF EXISTS asynqpg_tasks_claim_idx;
CREATE INDEX asynqpg_tasks_claim_idx
    ON asynqpg_tasks (status, type, blocked_till)
    WHERE status IN ('pending', 'running');
DROP INDEX IF EXISTS asynqpg_tasks_unique_key_idx;
ALTER TABLE asynqpg_tasks DROP CONSTRAINT IF EXISTS asynqpg_tasks_priority_check;
ALTER TABLE asynqpg_tasks DROP COLUMN IF EXISTS unique_key;
ALTER TABLE asynqpg_tasks DROP COLUMN IF EXISTS priority;
