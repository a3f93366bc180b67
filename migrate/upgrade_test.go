package migrate_test

import "context"
import "database/sql"
import "log/slog"
import "testing"
import "time"

import "github.com/jmoiron/sqlx"
import "github.com/pressly/goose/v3"
import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/internal/testfixture"
import "github.com/yakser/asynqpg/migrate"

// beforeScheduling is the last schema version without scheduling
// (priorities, unique tasks, paused types, periodic tasks).
const beforeScheduling = 4

// version4Rows are tasks in every state, as the schema of version 4 holds
// them: no priority, no unique key.
const version4Rows = `
INSERT INTO asynqpg_tasks (type, payload, status, attempts_left, attempts_elapsed, blocked_till, finalized_at, attempted_at, messages, idempotency_token)
VALUES
	('upgrade', '\x01', 'pending', 3, 0, now(), NULL, NULL, '{}', 'tok-1'),
	('upgrade', '\x02', 'pending', 2, 1, now() - interval '1 minute', NULL, now() - interval '2 minutes', '{boom}', NULL),
	('upgrade', '\x03', 'running', 2, 1, now() + interval '1 hour', NULL, now(), '{boom}', NULL),
	('upgrade', '\x04', 'completed', 3, 0, now(), now(), now(), '{}', NULL),
	('upgrade', '\x05', 'failed', 0, 3, now(), now(), now(), '{a,b,c}', NULL),
	('upgrade', '\x06', 'cancelled', 3, 0, now(), now(), NULL, '{}', 'tok-2')`

// upgradeRow is what a migration must keep of a task.
type upgradeRow struct {
	ID       int64
	Status   string
	Payload  []byte
	Messages string
	Left     int
	Elapsed  int
	Token    sql.NullString
	Blocked  time.Time
}

// readUpgradeRows reads every task, in ID order, from any version of the
// schema, the original asynqpg's included (its status is an enum, its
// attempts smallints).
func readUpgradeRows(t *testing.T, db *sql.DB) []upgradeRow {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT id, status::text, payload, messages::text,
		attempts_left::int, attempts_elapsed::int, idempotency_token, blocked_till FROM asynqpg_tasks ORDER BY id`)
	require.NoError(t, err)
	defer rows.Close()
	return testfixture.ScanRows(t, rows, func(r *upgradeRow) []any {
		return []any{&r.ID, &r.Status, &r.Payload, &r.Messages, &r.Left, &r.Elapsed, &r.Token, &r.Blocked}
	})
}

// requireUpKeepsTasks runs Up on db, which holds n tasks, and checks that
// every task is kept as it was; it returns the tasks.
func requireUpKeepsTasks(t *testing.T, db *sql.DB, n int) []upgradeRow {
	t.Helper()
	before := readUpgradeRows(t, db)
	require.Len(t, before, n)
	require.NoError(t, migrate.Up(context.Background(), db))
	require.Equal(t, before, readUpgradeRows(t, db), "every task kept as it was")
	return before
}

// TestUpFromBeforeScheduling migrates a database to version 4, the
// schema before scheduling, fills it with tasks in every state, then
// migrates it to the latest version: every task is kept as it was, with
// priority 0 and no unique key, and a consumer runs the pending ones.
func TestUpFromBeforeScheduling(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := emptyDB(t)
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrate.FS,
		goose.WithTableName(migrate.VersionTable), goose.WithDisableGlobalRegistry(true))
	require.NoError(t, err)
	_, err = p.UpTo(ctx, beforeScheduling)
	require.NoError(t, err)
	v, err := migrate.Version(ctx, db)
	require.NoError(t, err)
	require.EqualValues(t, beforeScheduling, v)
	require.False(t, tableExists(t, db, "asynqpg_paused_types"), "version 4 has no scheduling")
	_, err = db.ExecContext(ctx, version4Rows)
	require.NoError(t, err)
	before := requireUpKeepsTasks(t, db, 6)
	var withPriority, withKey int
	require.NoError(t, db.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE priority <> 0),
		count(*) FILTER (WHERE unique_key IS NOT NULL) FROM asynqpg_tasks`).Scan(&withPriority, &withKey))
	require.Zero(t, withPriority, "tasks enqueued before have priority 0")
	require.Zero(t, withKey, "tasks enqueued before have no unique key")
	for _, table := range []string{"asynqpg_paused_types", "asynqpg_periodic"} {
		require.True(t, tableExists(t, db, table), table)
	}

	c, err := consumer.New(consumer.Config{Pool: sqlx.NewDb(db, "pgx"), DisableMaintenance: true,
		Logger: slog.New(slog.DiscardHandler), FetchInterval: 50 * time.Millisecond})
	require.NoError(t, err)
	ran := make(chan int64, len(before))
	require.NoError(t, c.RegisterTaskHandler("upgrade", consumer.TaskHandlerFunc(
		func(_ context.Context, task *asynqpg.TaskInfo) error {
			ran <- task.ID
			return nil
		})))
	require.NoError(t, c.Start())
	defer func() { require.NoError(t, c.Stop()) }()
	require.Eventually(t, func() bool {
		return testfixture.CountStatus(t, db, "upgrade", asynqpg.TaskStatusCompleted) == 3 // the two pending tasks, and the one completed before
	}, 20*time.Second, 20*time.Millisecond)
	require.ElementsMatch(t, []int64{before[0].ID, before[1].ID}, []int64{<-ran, <-ran}, "the pending tasks ran")
	after := readUpgradeRows(t, db)
	require.Equal(t, before[2:], after[2:], "the running, finished and cancelled tasks are left alone")
}
