-- +goose Up
-- One index serves claiming (pending tasks, and running tasks whose lease
-- passed, of a type, in blocked_till order) and rescuing (running tasks by
-- lease expiry). It replaces the fetch and running indexes, so claiming a
-- task writes one entry to a partial index instead of two. Partial on
-- pending and running, so it stays small however many finalized rows are
-- retained.
--
-- The index is built while the table is locked against writes; on a table
-- of many millions of rows, apply this migration at a quiet time.
CREATE INDEX IF NOT EXISTS asynqpg_tasks_claim_idx
    ON asynqpg_tasks (status, type, blocked_till)
    WHERE status IN ('pending', 'running');
DROP INDEX IF EXISTS asynqpg_tasks_fetch_idx;
DROP INDEX IF EXISTS asynqpg_tasks_running_idx;

-- +goose Down
CREATE INDEX IF NOT EXISTS asynqpg_tasks_fetch_idx
    ON asynqpg_tasks (type, blocked_till)
    WHERE status IN ('pending', 'running');
CREATE INDEX IF NOT EXISTS asynqpg_tasks_running_idx
    ON asynqpg_tasks (blocked_till)
    WHERE status = 'running';
DROP INDEX IF EXISTS asynqpg_tasks_claim_idx;
