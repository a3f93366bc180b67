package engine

import (
	"context"
	"database/sql"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/driver"
	"github.com/yakser/asynqpg/internal/testdb"
)

// maxTestConns caps each test's connections: tests run in parallel on one
// server.
const maxTestConns = 8

// storeBundle is a test's own database, the Executor under test on it (a
// statement-counting wrapper around database/sql) and a direct handle.
type storeBundle struct {
	db *sql.DB
	ex *countingExecutor
}

func setupStore(t *testing.T) *storeBundle {
	t.Helper()
	db := testdb.Open(t)
	db.SetMaxOpenConns(maxTestConns)
	return &storeBundle{db: db, ex: &countingExecutor{Executor: driver.NewStdExecutor(db), counts: new(counts)}}
}

// insert inserts a ready task of type typ directly and returns its ID.
func (b *storeBundle) insert(t *testing.T, typ string) int64 {
	t.Helper()
	var id int64
	require.NoError(t, b.db.QueryRowContext(context.Background(),
		`INSERT INTO asynqpg_tasks (type, payload) VALUES ($1, '\x01') RETURNING id`, typ).Scan(&id))
	return id
}

// setStatus puts task id in status, the way the consumer would leave it.
func (b *storeBundle) setStatus(t *testing.T, id int64, status asynqpg.TaskStatus) {
	t.Helper()
	var q string
	switch status {
	case asynqpg.TaskStatusPending:
		return
	case asynqpg.TaskStatusRunning:
		q = `UPDATE asynqpg_tasks SET status = 'running', attempted_at = now(),
			blocked_till = now() + interval '1 hour' WHERE id = $1`
	case asynqpg.TaskStatusCompleted:
		q = `UPDATE asynqpg_tasks SET status = 'completed', attempted_at = now(), finalized_at = now() WHERE id = $1`
	case asynqpg.TaskStatusFailed:
		q = `UPDATE asynqpg_tasks SET status = 'failed', attempted_at = now(), finalized_at = now(),
			attempts_left = 0, attempts_elapsed = 3, messages = '{boom,boom,boom}' WHERE id = $1`
	case asynqpg.TaskStatusCancelled:
		q = `UPDATE asynqpg_tasks SET status = 'cancelled', finalized_at = now() WHERE id = $1`
	default:
		t.Fatalf("unknown status %q", status)
	}
	_, err := b.db.ExecContext(context.Background(), q, id)
	require.NoError(t, err)
}

// get reads task id directly; nil when it does not exist.
func (b *storeBundle) get(t *testing.T, id int64) *TaskRow {
	t.Helper()
	row, err := GetTask(context.Background(), driver.NewStdExecutor(b.db), id)
	if err == ErrTaskNotFound {
		return nil
	}
	require.NoError(t, err)
	return row
}

// count counts the tasks of type typ.
func (b *storeBundle) count(t *testing.T, typ string) int {
	t.Helper()
	var n int
	require.NoError(t, b.db.QueryRowContext(context.Background(),
		`SELECT count(*) FROM asynqpg_tasks WHERE type = $1`, typ).Scan(&n))
	return n
}

// counts tallies what a countingExecutor (and the transactions it began)
// ran.
type counts struct {
	statements atomic.Int64
	begins     atomic.Int64
	commits    atomic.Int64
}

// countingExecutor counts the statements run and transactions begun
// through it.
type countingExecutor struct {
	driver.Executor
	counts *counts
}

func (e *countingExecutor) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	e.counts.statements.Add(1)
	return e.Executor.Exec(ctx, sql, args...)
}

func (e *countingExecutor) Query(ctx context.Context, sql string, args ...any) (driver.Rows, error) {
	e.counts.statements.Add(1)
	return e.Executor.Query(ctx, sql, args...)
}

func (e *countingExecutor) QueryRow(ctx context.Context, sql string, args ...any) driver.Row {
	e.counts.statements.Add(1)
	return e.Executor.QueryRow(ctx, sql, args...)
}

func (e *countingExecutor) Begin(ctx context.Context) (driver.Tx, error) {
	tx, err := e.Executor.Begin(ctx)
	if err != nil {
		return nil, err
	}
	e.counts.begins.Add(1)
	return &countingTx{countingExecutor: countingExecutor{Executor: tx, counts: e.counts}, tx: tx}, nil
}

type countingTx struct {
	countingExecutor
	tx driver.Tx
}

func (t *countingTx) Commit(ctx context.Context) error {
	t.counts.commits.Add(1)
	return t.tx.Commit(ctx)
}

func (t *countingTx) Rollback(ctx context.Context) error { return t.tx.Rollback(ctx) }
