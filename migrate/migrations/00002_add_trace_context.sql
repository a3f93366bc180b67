-- +goose Up
ALTER TABLE asynqpg_tasks ADD COLUMN IF NOT EXISTS trace_context jsonb;

-- +goose Down
ALTER TABLE asynqpg_tasks DROP COLUMN IF EXISTS trace_context;
