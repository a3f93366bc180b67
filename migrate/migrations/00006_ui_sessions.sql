-- +goose Up
-- Sessions of the dashboard (package ui) when it authenticates through
-- OAuth providers and is given the PostgreSQL session store: they survive
-- restarts and are shared by every replica. A session is stored under the
-- SHA-256 of its token, so reading the table does not give a token that
-- logs in. Expired rows are deleted by the store.
CREATE TABLE IF NOT EXISTS asynqpg_ui_sessions (
    token_hash bytea       PRIMARY KEY,
    user_info  jsonb       NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS asynqpg_ui_sessions_expires_idx
    ON asynqpg_ui_sessions (expires_at);

-- +goose Down
DROP TABLE IF EXISTS asynqpg_ui_sessions;
