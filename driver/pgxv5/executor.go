package pgxv5driver

import "context"
import "errors"

import "github.com/jackc/pgx/v5"
import "github.com/jackc/pgx/v5/pgconn"

import "github.com/yakser/asynqpg/driver"

// pgxQuerier is what *pgxpool.Pool, *pgx.Conn and pgx.Tx share.
type pgxQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// executor is the engine's [driver.Executor] over native pgx: values go in
// pgx's binary protocol (Go slices as arrays), times come back in UTC and
// pgx.ErrNoRows becomes driver.ErrNoRows.
type executor struct {
	q pgxQuerier
}

// Exec implements [driver.Executor].
func (e *executor) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := e.q.Exec(ctx, sql, driver.NormalizeArgs(args)...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// Query implements [driver.Executor].
func (e *executor) Query(ctx context.Context, sql string, args ...any) (driver.Rows, error) {
	rows, err := e.q.Query(ctx, sql, driver.NormalizeArgs(args)...)
	if err != nil {
		return nil, err
	}
	return execRows{rows: rows}, nil
}

// QueryRow implements [driver.Executor].
func (e *executor) QueryRow(ctx context.Context, sql string, args ...any) driver.Row {
	return execRow{row: e.q.QueryRow(ctx, sql, driver.NormalizeArgs(args)...)}
}

// Begin implements [driver.Executor]: a transaction on a pool, a savepoint
// (pgx's nested transaction) in a transaction.
func (e *executor) Begin(ctx context.Context) (driver.Tx, error) {
	tx, err := e.q.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &execTx{executor: executor{q: tx}, tx: tx}, nil
}

// execTx is a [driver.Tx] over a pgx.Tx.
type execTx struct {
	executor
	tx pgx.Tx
}

// Commit implements [driver.Tx].
func (t *execTx) Commit(ctx context.Context) error { return t.tx.Commit(ctx) }

// Rollback implements [driver.Tx]; after Commit it returns nil.
func (t *execTx) Rollback(ctx context.Context) error {
	err := t.tx.Rollback(ctx)
	if errors.Is(err, pgx.ErrTxClosed) {
		return nil
	}
	return err
}

// execRows is [driver.Rows] over pgx.Rows.
type execRows struct {
	rows pgx.Rows
}

func (r execRows) Next() bool { return r.rows.Next() }
func (r execRows) Err() error { return r.rows.Err() }
func (r execRows) Close()     { r.rows.Close() }

func (r execRows) Scan(dest ...any) error {
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	driver.NormalizeTimes(dest)
	return nil
}

// execRow is [driver.Row] over pgx.Row.
type execRow struct {
	row pgx.Row
}

func (r execRow) Scan(dest ...any) error {
	if err := r.row.Scan(dest...); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return driver.ErrNoRows
		}
		return err
	}
	driver.NormalizeTimes(dest)
	return nil
}
