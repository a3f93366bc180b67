package testfixture

import "context"
import "sync/atomic"

import "github.com/yakser/asynqpg/driver"

// Counts tallies what a CountingExecutor, and the transactions it began,
// ran.
type Counts struct {
	// Statements counts Exec, Query and QueryRow calls.
	Statements atomic.Int64
	// Begins counts transactions (or savepoints) begun.
	Begins atomic.Int64
	// Commits counts transactions (or savepoints) committed.
	Commits atomic.Int64
}

// CountingExecutor is an Executor that counts the statements run and the
// transactions begun through it into Counts. It hides every optional
// capability of the Executor it wraps, such as LISTEN.
type CountingExecutor struct {
	driver.Executor
	Counts *Counts
}

// NewCountingExecutor wraps ex with a fresh Counts.
func NewCountingExecutor(ex driver.Executor) *CountingExecutor {
	return &CountingExecutor{Executor: ex, Counts: new(Counts)}
}

// Exec counts the statement and runs it.
func (e *CountingExecutor) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	e.Counts.Statements.Add(1)
	return e.Executor.Exec(ctx, sql, args...)
}

// Query counts the statement and runs it.
func (e *CountingExecutor) Query(ctx context.Context, sql string, args ...any) (driver.Rows, error) {
	e.Counts.Statements.Add(1)
	return e.Executor.Query(ctx, sql, args...)
}

// QueryRow counts the statement and runs it.
func (e *CountingExecutor) QueryRow(ctx context.Context, sql string, args ...any) driver.Row {
	e.Counts.Statements.Add(1)
	return e.Executor.QueryRow(ctx, sql, args...)
}

// Begin begins a transaction whose statements count into the same Counts.
func (e *CountingExecutor) Begin(ctx context.Context) (driver.Tx, error) {
	tx, err := e.Executor.Begin(ctx)
	if err != nil {
		return nil, err
	}
	e.Counts.Begins.Add(1)
	return &countingTx{CountingExecutor: CountingExecutor{Executor: tx, Counts: e.Counts}, tx: tx}, nil
}

// countingTx is a transaction begun through a CountingExecutor.
type countingTx struct {
	CountingExecutor
	tx driver.Tx
}

func (t *countingTx) Commit(ctx context.Context) error {
	t.Counts.Commits.Add(1)
	return t.tx.Commit(ctx)
}

func (t *countingTx) Rollback(ctx context.Context) error { return t.tx.Rollback(ctx) }
