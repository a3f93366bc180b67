// Package driver defines the narrow interface through which the asynqpg
// engine runs every SQL statement, and resolves the handles users pass to
// asynqpg (an [asynqpg.Querier] or [asynqpg.Pool]) to one.
//
// The engine writes every statement once; an adapter only moves values in
// and out. For that to hold, every [Executor] accepts and returns the same
// Go values the same way:
//
//   - parameters: int64, int, float64, bool, string, []byte, time.Time (sent
//     as is; compared at microsecond precision), nil, pointers to those (nil
//     for NULL), and the arrays []int64, []string and [][]byte; only
//     pointers and an untyped nil are NULL (a nil []byte or slice is sent
//     empty), and times are truncated to microseconds (see
//     [NormalizeArgs]);
//   - scan targets: pointers to the same types and to pointers of them
//     (for nullable columns); times come back in UTC;
//   - no time.Duration parameters: statements take microseconds as int64
//     and build intervals in SQL;
//   - "no rows" is [ErrNoRows]; SQLSTATE codes are read with [SQLState];
//     a statement ended by its context returns an error that matches
//     ctx.Err() with errors.Is.
//
// Adapters live in the subpackages driver/sqlx, driver/pgxv5 and driver/bun.
//
// Every program that uses asynqpg links this package, and with it pgx's
// stdlib driver, but not lib/pq: [Resolve] accepts a *sqlx.DB, a *sqlx.Tx
// or a value of asynqpg.WrapStdDB as it is, without an adapter, and runs
// it on the database/sql [StdExecutor], which sends arrays as PostgreSQL
// array literals and, on a lib/pq connection, LISTENs through the
// notification handler lib/pq keeps on each connection, set by reflection
// (pqnotify.go), so that only a program that uses lib/pq links it.
package driver

import "context"
import "errors"

// ErrNoRows is returned by [Row.Scan] when the query selected no row.
var ErrNoRows = errors.New("driver: no rows in result set")

// ErrUnsupported is returned when an [Executor] lacks an optional capability.
var ErrUnsupported = errors.New("driver: capability not supported")

// Executor runs SQL. A pool-backed Executor runs each statement on any free
// connection; a transaction-backed one runs them inside that transaction.
type Executor interface {
	// Exec runs a statement and returns the number of rows it affected.
	Exec(ctx context.Context, sql string, args ...any) (int64, error)
	// Query runs a statement that returns rows. The caller must Close them.
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
	// QueryRow runs a statement expected to return at most one row. Errors
	// are deferred to Row.Scan.
	QueryRow(ctx context.Context, sql string, args ...any) Row
	// Begin starts a transaction, or a savepoint when the Executor is
	// already a transaction.
	Begin(ctx context.Context) (Tx, error)
}

// Tx is an Executor inside a transaction (or savepoint).
type Tx interface {
	Executor
	// Commit commits the transaction (or releases the savepoint).
	Commit(ctx context.Context) error
	// Rollback rolls back the transaction (or to the savepoint). Calling it
	// after Commit is a no-op that returns nil.
	Rollback(ctx context.Context) error
}

// Rows is the result of [Executor.Query].
type Rows interface {
	// Next advances to the next row, returning false when there is none or
	// an error occurred (see Err).
	Next() bool
	// Scan copies the current row's columns into dest.
	Scan(dest ...any) error
	// Err returns the error, if any, met while iterating.
	Err() error
	// Close releases the rows. It is safe to call more than once.
	Close()
}

// Row is the result of [Executor.QueryRow].
type Row interface {
	// Scan copies the row's columns into dest; it returns [ErrNoRows] when
	// there was no row.
	Scan(dest ...any) error
}

// Notification is a message received on a LISTEN channel.
type Notification struct {
	Channel string
	Payload string
}

// Listener receives notifications on a dedicated connection.
type Listener interface {
	// Listen subscribes to channel.
	Listen(ctx context.Context, channel string) error
	// Unlisten ends the subscription to channel.
	Unlisten(ctx context.Context, channel string) error
	// WaitForNotification blocks until a notification arrives, ctx is done,
	// or the connection fails.
	WaitForNotification(ctx context.Context) (*Notification, error)
	// Close releases the connection.
	Close(ctx context.Context) error
}

// ListenerFactory is implemented by Executors that can open a [Listener].
// Executors that cannot (a transaction, a connection pooler in transaction
// mode) do not implement it, or return [ErrUnsupported].
type ListenerFactory interface {
	NewListener(ctx context.Context) (Listener, error)
}

// ExecutorSource is implemented by the values adapters hand to users (an
// [asynqpg.Pool] or [asynqpg.Querier]) so that asynqpg finds the native
// Executor behind them.
type ExecutorSource interface {
	Executor() Executor
}
