-- +goose Up
-- Consumers at work: each running consumer keeps one row here, written
-- when it starts and renewed by its heartbeat, and deletes it when it
-- stops. workers maps each task type the consumer serves to its number of
-- workers. A row is live while expires_at, three heartbeat intervals after
-- the last heartbeat by the database clock, has not passed; a consumer
-- whose process died leaves a row that stops being live by itself, and
-- the heartbeats of the others delete it.
CREATE TABLE IF NOT EXISTS asynqpg_consumers (
    id           text        PRIMARY KEY CHECK (id <> ''),
    hostname     text        NOT NULL,
    pid          bigint      NOT NULL,
    workers      jsonb       NOT NULL CHECK (jsonb_typeof(workers) = 'object'),
    started_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);

-- +goose Down
DROP TABLE IF EXISTS asynqpg_consumers;
