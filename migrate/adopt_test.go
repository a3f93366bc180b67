package migrate_test

import "context"
import "log/slog"
import "strings"
import "testing"
import "time"

import "github.com/jmoiron/sqlx"
import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/internal/testfixture"
import "github.com/yakser/asynqpg/migrate"
import "github.com/yakser/asynqpg/producer"

// originalSchema is the schema the original asynqpg sets up: the task
// status as an enum, smallint counters, its own constraints and indexes.
const originalSchema = `
CREATE TYPE asynqpg_task_status AS ENUM ('pending', 'running', 'completed', 'failed', 'cancelled');
CREATE TABLE asynqpg_tasks (
	id bigserial PRIMARY KEY,
	attempts_left smallint NOT NULL,
	attempts_elapsed smallint NOT NULL DEFAULT 0,
	blocked_till timestamptz NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	finalized_at timestamptz,
	attempted_at timestamptz,
	type text NOT NULL,
	idempotency_token text,
	status asynqpg_task_status NOT NULL DEFAULT 'pending',
	payload bytea NOT NULL,
	messages text[] NOT NULL DEFAULT ARRAY[]::text[],
	CONSTRAINT finalized_or_finalized_at_null CHECK (
		(finalized_at IS NULL AND status NOT IN ('completed', 'failed', 'cancelled'))
		OR (finalized_at IS NOT NULL AND status IN ('completed', 'failed', 'cancelled'))),
	CONSTRAINT type_length CHECK (char_length(type) > 0 AND char_length(type) < 256),
	CONSTRAINT attempts_left_non_negative CHECK (attempts_left >= 0)
);
CREATE UNIQUE INDEX asynqpg_tasks_idempotency_idx ON asynqpg_tasks (type, idempotency_token)
	WHERE idempotency_token IS NOT NULL;
CREATE INDEX asynqpg_tasks_ready_idx ON asynqpg_tasks (type, blocked_till) WHERE status IN ('pending', 'running');
CREATE INDEX asynqpg_tasks_failed_idx ON asynqpg_tasks (type) WHERE status = 'failed';
CREATE INDEX asynqpg_tasks_finalized_idx ON asynqpg_tasks (status, finalized_at)
	WHERE status IN ('completed', 'failed', 'cancelled');
CREATE INDEX asynqpg_tasks_stuck_idx ON asynqpg_tasks (attempted_at, id) WHERE status = 'running';
CREATE UNLOGGED TABLE asynqpg_leader (
	name text PRIMARY KEY DEFAULT 'default',
	leader_id text NOT NULL,
	elected_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL,
	CONSTRAINT leader_id_length CHECK (char_length(leader_id) > 0 AND char_length(leader_id) < 128)
);`

// originalRows are tasks in every state, as the original wrote them.
const originalRows = `
INSERT INTO asynqpg_tasks (type, payload, status, attempts_left, attempts_elapsed, blocked_till, finalized_at, attempted_at, messages, idempotency_token)
VALUES
	('adopt', '\x01', 'pending', 3, 0, now(), NULL, NULL, '{}', 'tok-1'),
	('adopt', '\x02', 'running', 2, 1, now() + interval '1 hour', NULL, now(), '{boom}', NULL),
	('adopt', '\x03', 'completed', 3, 0, now(), now(), now(), '{}', NULL),
	('adopt', '\x04', 'failed', 0, 3, now(), now(), now(), '{a,b,c}', NULL),
	('adopt', '\x05', 'cancelled', 3, 0, now(), now(), NULL, '{}', NULL)`

// TestUpAdoptsOriginalSchema checks that Up turns a database set up by
// the original asynqpg into this schema, keeping every task, and that the
// producer, the consumer and the client then work on it.
func TestUpAdoptsOriginalSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := emptyDB(t)
	_, err := db.ExecContext(ctx, originalSchema)
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, originalRows)
	require.NoError(t, err)
	before := requireUpKeepsTasks(t, db, 5)
	var statusType, enum string
	require.NoError(t, db.QueryRowContext(ctx, `SELECT format_type(atttypid, atttypmod) FROM pg_attribute
		WHERE attrelid = 'asynqpg_tasks'::regclass AND attname = 'status'`).Scan(&statusType))
	require.Equal(t, "text", statusType)
	require.NoError(t, db.QueryRowContext(ctx, `SELECT coalesce(to_regtype('asynqpg_task_status')::text, '')`).Scan(&enum))
	require.Empty(t, enum, "the enum is dropped")
	require.NoError(t, migrate.Up(ctx, db), "Up is idempotent on an adopted database")

	pool := sqlx.NewDb(db, "pgx")
	p, err := producer.New(producer.Config{Pool: pool})
	require.NoError(t, err)
	long := strings.Repeat("t", 300)
	_, err = p.Enqueue(ctx, asynqpg.NewTask(long, []byte{}))
	require.NoError(t, err, "a type the original's 256-character limit refused")
	_, err = p.Enqueue(ctx, asynqpg.NewTask("adopt", []byte("new")))
	require.NoError(t, err)
	id, err := p.Enqueue(ctx, asynqpg.NewTask("adopt", []byte{}, asynqpg.WithIdempotencyToken("tok-1")))
	require.ErrorIs(t, err, producer.ErrDuplicateTask, "the original's idempotency tokens still hold")
	require.Equal(t, before[0].ID, id)

	cl, err := client.New(client.Config{Pool: pool})
	require.NoError(t, err)
	info, err := cl.RetryTask(ctx, before[3].ID)
	require.NoError(t, err)
	require.Equal(t, asynqpg.TaskStatusPending, info.Status)
	require.Equal(t, 1, info.AttemptsLeft)

	c, err := consumer.New(consumer.Config{Pool: pool, DisableMaintenance: true, Logger: slog.New(slog.DiscardHandler),
		FetchInterval: 50 * time.Millisecond})
	require.NoError(t, err)
	require.NoError(t, c.RegisterTaskHandler("adopt", consumer.TaskHandlerFunc(
		func(context.Context, *asynqpg.TaskInfo) error { return nil })))
	require.NoError(t, c.Start())
	defer func() { require.NoError(t, c.Stop()) }()
	require.Eventually(t, func() bool {
		return testfixture.CountStatus(t, db, "adopt", asynqpg.TaskStatusCompleted) == 4 // pending, the retried failed one, the new one, and the completed one
	}, 20*time.Second, 20*time.Millisecond)
}
