package engine

import "context"
import "database/sql"
import "errors"
import "sync/atomic"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/testdb"
import "github.com/yakser/asynqpg/internal/testfixture"

// procBundle is a test's own database with the Executor under test.
type procBundle struct {
	db *sql.DB
	ex driver.Executor
}

func setupProc(t *testing.T) *procBundle {
	t.Helper()
	db := testdb.Open(t)
	return &procBundle{db: db, ex: driver.NewStdExecutor(db)}
}

// exec runs a statement directly.
func (b *procBundle) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	_, err := b.db.ExecContext(context.Background(), q, args...)
	require.NoError(t, err)
}

// insertReady inserts a ready task of type typ with attempts attempts.
func (b *procBundle) insertReady(t *testing.T, typ string, attempts int) int64 {
	t.Helper()
	var id int64
	require.NoError(t, b.db.QueryRowContext(context.Background(),
		`INSERT INTO asynqpg_tasks (type, payload, attempts_left, blocked_till)
		VALUES ($1, '\x01', $2, now() - interval '1 second') RETURNING id`, typ, attempts).Scan(&id))
	return id
}

// row reads task id; nil when it does not exist.
func (b *procBundle) row(t *testing.T, id int64) *TaskRow {
	t.Helper()
	r, err := GetTask(context.Background(), b.ex, id)
	if err == ErrTaskNotFound {
		return nil
	}
	require.NoError(t, err)
	return r
}

// rowAttempts is what a test expects of a task row once an outcome was
// written: its status, attempts left and elapsed, and messages (nil:
// none).
type rowAttempts struct {
	status        asynqpg.TaskStatus
	left, elapsed int
	messages      []string
}

// requireAttempts checks r against want, and that r carries finalized_at
// exactly when its status is final; msgAndArgs go with the status check.
func requireAttempts(t *testing.T, want rowAttempts, r *TaskRow, msgAndArgs ...any) {
	t.Helper()
	require.Equal(t, want.status, r.Status, msgAndArgs...)
	switch want.status {
	case asynqpg.TaskStatusCompleted, asynqpg.TaskStatusFailed, asynqpg.TaskStatusCancelled:
		require.NotNil(t, r.FinalizedAt)
	default:
		require.Nil(t, r.FinalizedAt)
	}
	require.Equal(t, want.left, r.AttemptsLeft)
	require.Equal(t, want.elapsed, r.AttemptsElapsed)
	if want.messages == nil {
		require.Empty(t, r.Messages)
	} else {
		require.Equal(t, want.messages, r.Messages)
	}
}

// dbNow is the database clock.
func (b *procBundle) dbNow(t *testing.T) time.Time {
	t.Helper()
	var now time.Time
	require.NoError(t, b.db.QueryRowContext(context.Background(), `SELECT now()`).Scan(&now))
	return now
}

// claimNew inserts a ready task of type typ with 3 attempts and claims
// it, which it requires to be the only ready task of typ.
func (b *procBundle) claimNew(t *testing.T, typ string) (int64, ClaimedTask) {
	t.Helper()
	id := b.insertReady(t, typ, 3)
	c := b.claimOne(t, typ)
	require.Equal(t, id, c.Task.ID)
	return id, c
}

// claimOne claims exactly one task of typ.
func (b *procBundle) claimOne(t *testing.T, typ string) ClaimedTask {
	t.Helper()
	claimed, err := ClaimTasks(context.Background(), b.ex, typ, 1, time.Minute)
	require.NoError(t, err)
	require.Len(t, claimed, 1)
	return claimed[0]
}

// Generous bounds for things that should happen quickly, so that a slow,
// loaded machine does not fail the tests.
const (
	eventually = 20 * time.Second
	tick       = 20 * time.Millisecond
)

// pollOnly hides the ListenerFactory of an Executor.
type pollOnly struct{ driver.Executor }

// recordCounter counts the outcome-writing statements run through it.
type recordCounter struct {
	driver.Executor
	records atomic.Int64
}

func (e *recordCounter) Query(ctx context.Context, sql string, args ...any) (driver.Rows, error) {
	if isOutcomeWrite(sql) {
		e.records.Add(1)
	}
	return e.Executor.Query(ctx, sql, args...)
}

// isOutcomeWrite reports whether sql is one of the statements of the
// completers, which write outcomes without claiming.
func isOutcomeWrite(sql string) bool {
	switch sql {
	case sqlRecordOutcomes, sqlCompleteAttempts:
		return true
	}
	return false
}

// failingListener is an Executor whose listeners never connect.
type failingListener struct {
	driver.Executor
	calls atomic.Int64
}

func (e *failingListener) NewListener(context.Context) (driver.Listener, error) {
	e.calls.Add(1)
	return nil, errors.New("connection refused")
}

// testProcessor starts a processor with short intervals on b's database
// (through ex when not nil) and stops it at the end of the test.
func testProcessor(t *testing.T, b *procBundle, ex driver.Executor, cfg ProcessorConfig) *Processor {
	t.Helper()
	if ex == nil {
		ex = b.ex
	}
	cfg.Executor = ex
	if cfg.FetchInterval == 0 {
		cfg.FetchInterval = 50 * time.Millisecond
	}
	if cfg.CancelCheckInterval == 0 {
		cfg.CancelCheckInterval = 100 * time.Millisecond
	}
	if cfg.RetryPolicy == nil {
		cfg.RetryPolicy = asynqpg.ConstantRetryPolicy{}
	}
	p, err := NewProcessor(cfg)
	require.NoError(t, err)
	require.NoError(t, p.Start())
	t.Cleanup(func() { _ = p.Stop(5 * time.Second) })
	return p
}

// typeOf is a TypeConfig with 4 workers and a 10s timeout.
func typeOf(name string, h Handler) TypeConfig {
	return TypeConfig{Type: name, Handler: h, Workers: 4, Timeout: 10 * time.Second}
}

// waitStatus waits until task id has status.
func (b *procBundle) waitStatus(t *testing.T, id int64, status asynqpg.TaskStatus) *TaskRow {
	t.Helper()
	var last *TaskRow
	require.Eventually(t, func() bool {
		last = b.row(t, id)
		return last != nil && last.Status == status
	}, eventually, tick, "task %d never reached %s", id, status)
	return last
}

// countStatus counts the tasks of typ in status.
func (b *procBundle) countStatus(t *testing.T, typ string, status asynqpg.TaskStatus) int {
	t.Helper()
	return testfixture.CountStatus(t, b.db, typ, status)
}

// listenerBackends counts the sessions listening for asynqpg notifications.
func (b *procBundle) listenerBackends(t *testing.T) int {
	t.Helper()
	var n int
	require.NoError(t, b.db.QueryRowContext(context.Background(),
		`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query = $1`,
		`LISTEN "`+ChannelCancel+`"`).Scan(&n))
	return n
}
