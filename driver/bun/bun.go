// Package bundriver adapts bun (github.com/uptrace/bun) to asynqpg.
//
// [New] wraps a *bun.DB as an [asynqpg.Pool]; [NewTx] wraps a bun.Tx as an
// [asynqpg.Querier], so that tasks are enqueued or changed inside the
// application's transaction:
//
//	sqldb, err := sql.Open("pgx", url)
//	...
//	db := bun.NewDB(sqldb, pgdialect.New())
//	p, err := producer.New(producer.Config{Pool: bundriver.New(db)})
//	...
//	tx, err := db.BeginTx(ctx, nil)
//	...
//	id, err := p.EnqueueTx(ctx, bundriver.NewTx(tx), task)
//	...
//	err = tx.Commit()
//
// db.RunInTx works the same way, with bundriver.NewTx of the bun.Tx it
// passes to its function.
//
// bun formats queries on the client and replaces only its own "?"
// placeholders, so a statement with "$1" parameters loses its arguments
// when run through bun. Both the engine's statements and the five Querier
// methods for the application's own queries therefore run on the
// database/sql handle inside bun (*bun.DB's *sql.DB, bun.Tx's *sql.Tx),
// through database/sql and sqlx: write "$1" placeholders, scan with `db`
// struct tags. bun's query hooks do not see these statements, and a
// read-replica resolver configured on the *bun.DB is bypassed: everything
// runs on its primary *sql.DB.
//
// Use bun on pgx's stdlib driver or on lib/pq, with the PostgreSQL dialect.
// Over those drivers a *bun.DB can LISTEN (see package
// github.com/yakser/asynqpg/driver/sqlx for how).
package bundriver

import "context"
import "database/sql"

import "github.com/jmoiron/sqlx"
import "github.com/uptrace/bun"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"

// sqlxDriverName is what sqlx is told the database/sql driver is; sqlx
// uses it only to choose the bind variable style, "$1" for PostgreSQL.
const sqlxDriverName = "postgres"

// DB is a *bun.DB as an [asynqpg.Pool].
type DB struct {
	bun *bun.DB
	db  *sqlx.DB
	ex  *driver.StdExecutor
}

// New returns db as an [asynqpg.Pool], a *[DB]. For a nil db, a zero
// bun.DB (not made by bun.NewDB) or one without its *sql.DB, it returns
// nil, which asynqpg reports as [driver.ErrNilQuerier] where it is used.
func New(db *bun.DB) asynqpg.Pool {
	sqldb := sqlDB(db)
	if sqldb == nil {
		return nil
	}
	return &DB{bun: db, db: sqlx.NewDb(sqldb, sqlxDriverName), ex: driver.NewStdExecutor(sqldb)}
}

// sqlDB returns the *sql.DB inside db, or nil when there is none: for a
// nil db, and for a zero bun.DB, whose embedded state is a nil pointer so
// that reading db.DB panics.
func sqlDB(db *bun.DB) (sqldb *sql.DB) {
	if db == nil {
		return nil
	}
	defer func() {
		if recover() != nil {
			sqldb = nil
		}
	}()
	return db.DB
}

// BunDB returns the *bun.DB behind d.
func (d *DB) BunDB() *bun.DB { return d.bun }

// Executor returns the Executor the asynqpg engine runs statements
// through. It also implements [driver.ListenerFactory]. It returns nil for
// a DB not made by [New] (a zero DB), which has no *bun.DB: asynqpg then
// reports [driver.ErrNilQuerier].
func (d *DB) Executor() driver.Executor {
	if d == nil || d.bun == nil || d.ex == nil {
		return nil
	}
	return d.ex
}

// ExecContext runs a statement that returns no rows.
func (d *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return d.db.ExecContext(ctx, query, args...)
}

// SelectContext runs a query and scans every row into dest, a pointer to a
// slice (of structs with `db` tags, or of scannable values).
func (d *DB) SelectContext(ctx context.Context, dest any, query string, args ...any) error {
	return d.db.SelectContext(ctx, dest, query, args...)
}

// GetContext runs a query and scans its single row into dest; it returns
// sql.ErrNoRows when there is none.
func (d *DB) GetContext(ctx context.Context, dest any, query string, args ...any) error {
	return d.db.GetContext(ctx, dest, query, args...)
}

// QueryContext runs a query that returns rows.
func (d *DB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return d.db.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a query that returns at most one row.
func (d *DB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return d.db.QueryRowContext(ctx, query, args...)
}

// PingContext checks that the database is reachable.
func (d *DB) PingContext(ctx context.Context) error { return d.db.PingContext(ctx) }

// Tx is a bun.Tx as an [asynqpg.Querier]: every statement, the engine's and
// the application's, runs inside the transaction.
type Tx struct {
	bun bun.Tx
	tx  *sqlx.Tx
	ex  *driver.StdExecutor
}

// NewTx returns tx as an [asynqpg.Querier], a *[Tx]. For a zero bun.Tx it
// returns nil, which asynqpg reports as [driver.ErrNilQuerier] where it is
// used. A savepoint (a bun.Tx begun on a bun.Tx) works too: statements run
// in the enclosing database transaction.
func NewTx(tx bun.Tx) asynqpg.Querier {
	if tx.Tx == nil {
		return nil
	}
	mapper := sqlx.NewDb(nil, sqlxDriverName).Mapper
	return &Tx{bun: tx, tx: &sqlx.Tx{Tx: tx.Tx, Mapper: mapper}, ex: driver.NewStdExecutor(tx.Tx)}
}

// BunTx returns the bun.Tx behind t.
func (t *Tx) BunTx() bun.Tx { return t.bun }

// Executor returns the Executor the asynqpg engine runs statements
// through; its Begin makes a savepoint. It returns nil for a Tx not made
// by [NewTx] (a zero Tx), which has no bun.Tx: asynqpg then reports
// [driver.ErrNilQuerier].
func (t *Tx) Executor() driver.Executor {
	if t == nil || t.bun.Tx == nil || t.ex == nil {
		return nil
	}
	return t.ex
}

// ExecContext runs a statement that returns no rows in the transaction.
func (t *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, query, args...)
}

// SelectContext runs a query in the transaction and scans every row into
// dest, a pointer to a slice (of structs with `db` tags, or of scannable
// values).
func (t *Tx) SelectContext(ctx context.Context, dest any, query string, args ...any) error {
	return t.tx.SelectContext(ctx, dest, query, args...)
}

// GetContext runs a query in the transaction and scans its single row into
// dest; it returns sql.ErrNoRows when there is none.
func (t *Tx) GetContext(ctx context.Context, dest any, query string, args ...any) error {
	return t.tx.GetContext(ctx, dest, query, args...)
}

// QueryContext runs a query in the transaction.
func (t *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a query in the transaction that returns at most one
// row.
func (t *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, query, args...)
}

// Compile-time checks.
var (
	_ asynqpg.Pool          = (*DB)(nil)
	_ asynqpg.Querier       = (*Tx)(nil)
	_ driver.ExecutorSource = (*DB)(nil)
	_ driver.ExecutorSource = (*Tx)(nil)
)
