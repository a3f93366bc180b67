package driver

import "context"
import "database/sql"
import "errors"
import "fmt"
import "sync/atomic"
import "time"

import "github.com/yakser/asynqpg/internal/scantime"

// StdQuerier is the part of database/sql (and sqlx) that [NewStdExecutor]
// needs: *sql.DB, *sql.Tx, *sql.Conn, *sqlx.DB and *sqlx.Tx all have it.
type StdQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// stdBeginner is a database/sql handle that can start a transaction.
type stdBeginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// StdExecutor is an [Executor] over database/sql. It works with lib/pq and
// with pgx's stdlib driver alike: array parameters and scan targets go
// through PostgreSQL array literals (stdarray.go), which both accept, and
// times are returned in UTC.
type StdExecutor struct {
	q     StdQuerier
	inTx  bool
	depth *atomic.Int64 // savepoint counter shared by a transaction's nested savepoints
}

// NewStdExecutor returns an Executor over q. When q can begin transactions
// (*sql.DB, *sqlx.DB), Begin starts one; otherwise q is taken to be a
// transaction already and Begin makes a savepoint in it.
func NewStdExecutor(q StdQuerier) *StdExecutor {
	_, canBegin := q.(stdBeginner)
	return &StdExecutor{q: q, inTx: !canBegin, depth: new(atomic.Int64)}
}

// Querier returns the database/sql handle behind the Executor.
func (e *StdExecutor) Querier() StdQuerier { return e.q }

// Exec implements [Executor].
func (e *StdExecutor) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := e.q.ExecContext(ctx, query, stdArgs(args)...)
	if err != nil {
		return 0, contextError(ctx, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("driver: rows affected: %w", err)
	}
	return n, nil
}

// Query implements [Executor].
func (e *StdExecutor) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	rows, err := e.q.QueryContext(ctx, query, stdArgs(args)...)
	if err != nil {
		return nil, contextError(ctx, err)
	}
	return &stdRows{rows: rows, ctx: ctx}, nil
}

// QueryRow implements [Executor].
func (e *StdExecutor) QueryRow(ctx context.Context, query string, args ...any) Row {
	return stdRow{row: e.q.QueryRowContext(ctx, query, stdArgs(args)...), ctx: ctx}
}

// Begin implements [Executor].
func (e *StdExecutor) Begin(ctx context.Context) (Tx, error) {
	if b, ok := e.q.(stdBeginner); ok && !e.inTx {
		tx, err := b.BeginTx(ctx, nil)
		if err != nil {
			return nil, err
		}
		return &stdTx{StdExecutor: StdExecutor{q: tx, inTx: true, depth: new(atomic.Int64)}, tx: tx}, nil
	}
	name := fmt.Sprintf("asynqpg_sp_%d", e.depth.Add(1))
	if _, err := e.q.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return nil, err
	}
	return &stdTx{StdExecutor: StdExecutor{q: e.q, inTx: true, depth: e.depth}, savepoint: name}, nil
}

type stdTx struct {
	StdExecutor
	tx        *sql.Tx // nil for a savepoint
	savepoint string
	done      bool
}

func (t *stdTx) Commit(ctx context.Context) error {
	if t.done {
		return errors.New("driver: transaction already finished")
	}
	t.done = true
	if t.tx != nil {
		return t.tx.Commit()
	}
	_, err := t.q.ExecContext(ctx, "RELEASE SAVEPOINT "+t.savepoint)
	return err
}

func (t *stdTx) Rollback(ctx context.Context) error {
	if t.done {
		return nil
	}
	t.done = true
	if t.tx != nil {
		err := t.tx.Rollback()
		if errors.Is(err, sql.ErrTxDone) {
			return nil
		}
		return err
	}
	if _, err := t.q.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+t.savepoint); err != nil {
		return err
	}
	_, err := t.q.ExecContext(ctx, "RELEASE SAVEPOINT "+t.savepoint)
	return err
}

type stdRows struct {
	rows *sql.Rows
	ctx  context.Context
}

func (r *stdRows) Next() bool             { return r.rows.Next() }
func (r *stdRows) Err() error             { return contextError(r.ctx, r.rows.Err()) }
func (r *stdRows) Close()                 { _ = r.rows.Close() }
func (r *stdRows) Scan(dest ...any) error { return stdScan(r.rows.Scan, dest) }

type stdRow struct {
	row *sql.Row
	ctx context.Context
}

func (r stdRow) Scan(dest ...any) error {
	err := stdScan(r.row.Scan, dest)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNoRows
	}
	return contextError(r.ctx, err)
}

// contextError makes an error caused by the end of ctx match ctx.Err()
// with errors.Is, as pgx's errors do: lib/pq reports a cancelled
// statement as a server error (SQLSTATE 57014) only. The driver's error
// stays reachable with errors.As.
func contextError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	cerr := ctx.Err()
	if cerr == nil || errors.Is(err, cerr) {
		return err
	}
	return fmt.Errorf("%w: %w", cerr, err)
}

// stdArgs normalizes the engine's parameters (see [NormalizeArgs]) and
// turns its arrays into values both lib/pq and pgx's stdlib encode as
// PostgreSQL arrays.
func stdArgs(args []any) []any {
	return replaceEach(NormalizeArgs(args), func(a any) (any, bool) {
		switch v := a.(type) {
		case []int64:
			return int64Array(v), true
		case []string:
			return stringArray(v), true
		case [][]byte:
			return byteaArray(v), true
		}
		return a, false
	})
}

// stdScan scans through the array scanners of stdarray.go where the
// engine asks for slices, and returns times in UTC.
func stdScan(scan func(...any) error, dest []any) error {
	conv := replaceEach(dest, func(d any) (any, bool) {
		switch v := d.(type) {
		case *[]int64:
			return (*int64Array)(v), true
		case *[]string:
			return (*stringArray)(v), true
		case *[][]byte:
			return (*byteaArray)(v), true
		}
		return d, false
	})
	if err := scan(conv...); err != nil {
		return err
	}
	NormalizeTimes(dest)
	return nil
}

// NormalizeTimes converts every scanned *time.Time and **time.Time in dest
// to UTC. Adapters call it after scanning.
func NormalizeTimes(dest []any) {
	scantime.Map(dest, time.Time.UTC)
}
