// Package pgxv5driver adapts pgx v5 (github.com/jackc/pgx/v5) to asynqpg.
//
// [New] wraps a *pgxpool.Pool as an [asynqpg.Pool]; [NewTx] wraps a pgx.Tx
// as an [asynqpg.Querier], so that tasks are enqueued or changed inside the
// application's transaction:
//
//	pool, err := pgxpool.New(ctx, url)
//	...
//	p, err := producer.New(producer.Config{Pool: pgxv5driver.New(pool)})
//	...
//	tx, err := pool.Begin(ctx)
//	...
//	id, err := p.EnqueueTx(ctx, pgxv5driver.NewTx(tx), task)
//	...
//	err = tx.Commit(ctx)
//
// The engine runs its statements natively on pgx (binary protocol, Go
// slices as PostgreSQL arrays, a transaction's Begin is a savepoint) in the
// pool's query execution mode: configure that, for example for PgBouncer,
// in the pool's ConnConfig. The pool's Executor can LISTEN on a connection
// it takes out of the pool for good.
//
// The values also implement the five Querier methods for the
// application's own queries, with database/sql semantics (*sql.Rows,
// *sql.Row, sql.ErrNoRows, sqlx struct scanning with `db` tags):
//
//   - on the pool, each call runs on a connection of the pool, made as
//     pgx's stdlib driver makes it, and gives it back when the call (or the
//     rows it returned) is done;
//   - on a transaction, statements run inside the pgx.Tx, through a small
//     database/sql connection that is the transaction. As
//     with pgx's stdlib driver, values come back as int64 (for smallint,
//     integer and bigint), float64, bool, string, []byte (bytea, json,
//     jsonb), time.Time, or nil; every other type (numeric, uuid, arrays,
//     intervals, ...) comes back as its PostgreSQL text form, which
//     database/sql, sqlx and pq.Array's scanners understand. Parameters are
//     passed to pgx untouched. As with pgx itself, only one statement runs
//     at a time on a transaction: read or close the rows of one query
//     before starting the next.
//
// Only a *sql.DB can make *sql.Rows and *sql.Row, so every Pool and Tx of
// a process shares one, opened at the first of these calls and kept open:
// it holds no idle connection, and its one goroutine (database/sql's
// connection opener) lives as long as the process. Each call tells it, in
// its context, which pool or transaction to run on.
package pgxv5driver

import "context"
import "database/sql"

import "github.com/jackc/pgx/v5/pgxpool"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"

// Pool is a *pgxpool.Pool as an [asynqpg.Pool].
type Pool struct {
	pool *pgxpool.Pool
	ex   *poolExecutor
}

// New returns pool as an [asynqpg.Pool], a *[Pool]. For a nil pool it
// returns nil, which asynqpg reports as [driver.ErrNilQuerier] where it is
// used.
func New(pool *pgxpool.Pool) asynqpg.Pool {
	if pool == nil {
		return nil
	}
	return &Pool{pool: pool, ex: &poolExecutor{executor: executor{q: pool}, pool: pool}}
}

// PgxPool returns the *pgxpool.Pool behind p.
func (p *Pool) PgxPool() *pgxpool.Pool { return p.pool }

// Executor returns the native Executor the asynqpg engine runs statements
// through. It also implements [driver.ListenerFactory]. It returns nil for
// a Pool not made by [New] (a zero Pool), which has no *pgxpool.Pool:
// asynqpg then reports [driver.ErrNilQuerier].
func (p *Pool) Executor() driver.Executor {
	if p == nil || p.pool == nil || p.ex == nil {
		return nil
	}
	return p.ex
}

// ExecContext runs a statement that returns no rows.
func (p *Pool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return sharedDB().ExecContext(onPool(ctx, p.pool), query, args...)
}

// SelectContext runs a query and scans every row into dest, a pointer to a
// slice (of structs with `db` tags, or of scannable values).
func (p *Pool) SelectContext(ctx context.Context, dest any, query string, args ...any) error {
	return sharedDB().SelectContext(onPool(ctx, p.pool), dest, query, args...)
}

// GetContext runs a query and scans its single row into dest; it returns
// sql.ErrNoRows when there is none.
func (p *Pool) GetContext(ctx context.Context, dest any, query string, args ...any) error {
	return sharedDB().GetContext(onPool(ctx, p.pool), dest, query, args...)
}

// QueryContext runs a query that returns rows. The caller must close them;
// until then they hold a pool connection.
func (p *Pool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return sharedDB().QueryContext(onPool(ctx, p.pool), query, args...)
}

// QueryRowContext runs a query that returns at most one row.
func (p *Pool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return sharedDB().QueryRowContext(onPool(ctx, p.pool), query, args...)
}

// PingContext checks that a pool connection can reach the database.
func (p *Pool) PingContext(ctx context.Context) error { return p.pool.Ping(ctx) }

// Compile-time checks.
var (
	_ asynqpg.Pool           = (*Pool)(nil)
	_ driver.ExecutorSource  = (*Pool)(nil)
	_ driver.ListenerFactory = (*poolExecutor)(nil)
)
