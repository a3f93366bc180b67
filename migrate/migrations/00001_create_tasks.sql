-- +goose Up
-- +goose StatementBegin
CREATE TABLE IF NOT EXISTS asynqpg_tasks (
    id                bigserial   PRIMARY KEY,
    type              text        NOT NULL CHECK (type <> ''),
    payload           bytea       NOT NULL DEFAULT '\x'::bytea,
    status            text        NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
    idempotency_token text,
    messages          text[]      NOT NULL DEFAULT '{}',
    blocked_till      timestamptz NOT NULL DEFAULT now(),
    attempts_left     integer     NOT NULL DEFAULT 3 CHECK (attempts_left >= 0),
    attempts_elapsed  integer     NOT NULL DEFAULT 0 CHECK (attempts_elapsed >= 0),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    finalized_at      timestamptz,
    attempted_at      timestamptz
);
-- +goose StatementEnd

-- Idempotency: one task per (type, token) when a token is given.
CREATE UNIQUE INDEX IF NOT EXISTS asynqpg_tasks_type_idempotency_token_key
    ON asynqpg_tasks (type, idempotency_token)
    WHERE idempotency_token IS NOT NULL;

-- Fetch path: ready tasks of a type in blocked_till order. Partial, so it
-- stays small however many finalized rows are retained. Running rows are in
-- it too: a running task whose lease (blocked_till) has passed is claimable.
CREATE INDEX IF NOT EXISTS asynqpg_tasks_fetch_idx
    ON asynqpg_tasks (type, blocked_till)
    WHERE status IN ('pending', 'running');

-- Rescuer: running tasks by lease expiry.
CREATE INDEX IF NOT EXISTS asynqpg_tasks_running_idx
    ON asynqpg_tasks (blocked_till)
    WHERE status = 'running';

-- Cleaner: finalized tasks by status and age.
CREATE INDEX IF NOT EXISTS asynqpg_tasks_finalized_idx
    ON asynqpg_tasks (status, finalized_at)
    WHERE finalized_at IS NOT NULL;

-- Client list filters and queue health on the statuses that pile up for a
-- person to look at. Partial, so claiming and completing (pending, running,
-- completed) never write to it.
CREATE INDEX IF NOT EXISTS asynqpg_tasks_status_type_idx
    ON asynqpg_tasks (status, type, id)
    WHERE status IN ('failed', 'cancelled');

-- Leader election: one row per leadership name; the term comes from the
-- database clock. UNLOGGED: losing it in a crash only forces a new election.
CREATE UNLOGGED TABLE IF NOT EXISTS asynqpg_leader (
    name       text        PRIMARY KEY,
    leader_id  text        NOT NULL,
    elected_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE IF EXISTS asynqpg_leader;
DROP TABLE IF EXISTS asynqpg_tasks;
