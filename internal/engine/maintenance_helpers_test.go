package engine

import "context"
import "database/sql"
import "fmt"
import "log/slog"
import "testing"
import "time"

import "github.com/jmoiron/sqlx"
import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/testdb"
import "github.com/yakser/asynqpg/internal/testfixture"

// maintBundle is what a maintenance test works with.
type maintBundle struct {
	url string
	ex  driver.Executor // the engine's Executor, over sqlx on pgx stdlib
	db  *sql.DB         // an independent pool for set-up and checks
}

// setupMaintenance gives a test its own migrated database.
func setupMaintenance(t *testing.T) *maintBundle {
	t.Helper()
	url := testdb.URL(t)
	return &maintBundle{url: url, ex: openMaintExecutor(t, url), db: testdb.OpenURL(t, url)}
}

// openMaintExecutor opens a pool on url and resolves it to an Executor.
func openMaintExecutor(t *testing.T, url string) driver.Executor {
	t.Helper()
	db, err := sqlx.Open("pgx", url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	ex, err := driver.Resolve(db)
	require.NoError(t, err)
	return ex
}

// newMaintainer builds a Maintainer on the bundle's database, filling in
// the Executor and a ClientID when cfg has none; it is stopped when the
// test ends.
func (b *maintBundle) newMaintainer(t *testing.T, cfg MaintainerConfig) *Maintainer {
	t.Helper()
	if cfg.Executor == nil {
		cfg.Executor = b.ex
	}
	if cfg.ClientID == "" {
		cfg.ClientID = "client-1"
	}
	m, err := NewMaintainer(cfg)
	require.NoError(t, err)
	t.Cleanup(m.Stop)
	return m
}

// taskSpec describes a row to insert directly.
type taskSpec struct {
	status       asynqpg.TaskStatus
	attemptsLeft int
	elapsed      int
	// blockedAgo is how long ago blocked_till (the lease of a running
	// task) passed; negative for the future.
	blockedAgo time.Duration
	// finalizedAgo, when not zero, sets finalized_at that long ago.
	finalizedAgo time.Duration
}

// insert inserts n rows as spec says and returns their IDs and attempt
// keys, in ID order.
func (b *maintBundle) insert(t *testing.T, n int, s taskSpec) (ids, keys []int64) {
	t.Helper()
	var finalizedAgo *int64
	if s.finalizedAgo != 0 {
		us := s.finalizedAgo.Microseconds()
		finalizedAgo = &us
	}
	rows, err := b.db.QueryContext(context.Background(), `
INSERT INTO asynqpg_tasks AS t (type, payload, status, attempts_left, attempts_elapsed, blocked_till, attempted_at, finalized_at)
SELECT 'maint', '\x01'::bytea, $1, $2, $3,
	now() - $4::bigint * interval '1 microsecond',
	CASE WHEN $1 = 'pending' THEN NULL ELSE now() - $4::bigint * interval '1 microsecond' - interval '1 minute' END,
	now() - $5::bigint * interval '1 microsecond'
FROM generate_series(1, $6::int)
RETURNING t.id, (extract(epoch FROM t.attempted_at) * 1000000)::bigint`,
		string(s.status), s.attemptsLeft, s.elapsed, s.blockedAgo.Microseconds(), finalizedAgo, n)
	require.NoError(t, err)
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var (
			id  int64
			key sql.NullInt64 // NULL for a task never attempted
		)
		require.NoError(t, rows.Scan(&id, &key))
		ids = append(ids, id)
		keys = append(keys, key.Int64)
	}
	require.NoError(t, rows.Err())
	require.Len(t, ids, n)
	return ids, keys
}

// insertOne inserts one row and returns its ID.
func (b *maintBundle) insertOne(t *testing.T, s taskSpec) int64 {
	t.Helper()
	ids, _ := b.insert(t, 1, s)
	return ids[0]
}

// get reads a task; nil when it does not exist.
func (b *maintBundle) get(t *testing.T, id int64) *TaskRow {
	t.Helper()
	r, err := scanTask(b.ex.QueryRow(context.Background(), sqlGetTask, id))
	if err == driver.ErrNoRows {
		return nil
	}
	require.NoError(t, err)
	return r
}

// status reads the status of a task; "" when it does not exist.
func (b *maintBundle) status(t *testing.T, id int64) asynqpg.TaskStatus {
	t.Helper()
	if r := b.get(t, id); r != nil {
		return r.Status
	}
	return ""
}

// statusUnknown is what peekStatus returns when the status could not be read.
const statusUnknown asynqpg.TaskStatus = "(unknown)"

// peekStatus reads the status of a task ("" when it does not exist)
// without touching t, so that it can be polled by require.Eventually and
// require.Never, whose last poll may outlive the test. It returns
// statusUnknown when the read fails.
func (b *maintBundle) peekStatus(id int64) asynqpg.TaskStatus {
	var s string
	err := b.db.QueryRow(`SELECT status FROM asynqpg_tasks WHERE id = $1`, id).Scan(&s)
	switch {
	case err == sql.ErrNoRows:
		return ""
	case err != nil:
		return statusUnknown
	}
	return asynqpg.TaskStatus(s)
}

// exec runs a set-up statement on the check pool.
func (b *maintBundle) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	_, err := b.db.ExecContext(context.Background(), query, args...)
	require.NoError(t, err)
}

// slowTrigger makes every row that op (UPDATE or DELETE) touches in
// asynqpg_tasks take perRow.
func (b *maintBundle) slowTrigger(t *testing.T, op string, perRow time.Duration) {
	t.Helper()
	ret := "NEW"
	if op == "DELETE" {
		ret = "OLD"
	}
	b.exec(t, fmt.Sprintf(`CREATE FUNCTION maint_slow() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN PERFORM pg_sleep(%f); RETURN %s; END$$`, perRow.Seconds(), ret))
	b.exec(t, `CREATE TRIGGER maint_slow BEFORE `+op+` ON asynqpg_tasks FOR EACH ROW EXECUTE FUNCTION maint_slow()`)
}

// bufferLogger logs at every level into a buffer.
func bufferLogger() (*slog.Logger, *testfixture.SyncBuffer) {
	buf := &testfixture.SyncBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}
