// Package sqlxdriver adapts database/sql and sqlx handles to asynqpg. It
// works with lib/pq and with pgx's stdlib driver underneath.
//
// Wrap a *sqlx.DB with [New]:
//
//	db, err := sqlx.Open("pgx", url) // or sqlx.Open("postgres", url) for lib/pq
//	...
//	p, err := producer.New(producer.Config{Pool: sqlxdriver.New(db)})
//	...
//	tx, err := db.BeginTxx(ctx, nil)
//	...
//	id, err := p.EnqueueTx(ctx, tx, task)
//	...
//	err = tx.Commit()
//
// A *sqlx.DB, a *sqlx.Tx, or a value of [asynqpg.WrapStdDB] passed
// unwrapped anywhere asynqpg takes an [asynqpg.Pool] or [asynqpg.Querier]
// works the same way, so New is optional. A plain *sql.Tx is passed as
// &sqlx.Tx{Tx: tx}.
//
// lib/pq defaults to sslmode=require: the URL of a server without TLS
// needs ?sslmode=disable. pgx defaults to sslmode=prefer, which falls back
// to a plain connection.
//
// The engine runs its statements through database/sql: array parameters
// and results travel as PostgreSQL array literals, which both drivers
// understand, and times come back in UTC. A pool can LISTEN: it takes a
// dedicated connection from the *sql.DB, and uses pgx's own notification
// support on pgx's stdlib driver, or lib/pq's notification handler on
// lib/pq (the connection then runs "SELECT 1" every 100 ms while
// waiting, to read the notifications that arrived). The listening
// connection stays out of the pool until the listener is closed, and is
// then closed rather than reused: count it in db.SetMaxOpenConns. Other
// database/sql drivers work without LISTEN; the engine then polls.
package sqlxdriver

import "github.com/jmoiron/sqlx"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"

// DB is a *sqlx.DB that asynqpg runs its statements through. All of
// *sqlx.DB's methods are available on it for the application's own
// queries.
type DB struct {
	*sqlx.DB
	ex *driver.StdExecutor
}

// New returns db as an [asynqpg.Pool], a *[DB]. For a nil db, or one
// without its *sql.DB (sqlx.NewDb(nil, ...)), it returns nil, which
// asynqpg reports as [driver.ErrNilQuerier] where it is used.
func New(db *sqlx.DB) asynqpg.Pool {
	if db == nil || db.DB == nil {
		return nil
	}
	return &DB{DB: db, ex: driver.NewStdExecutor(db)}
}

// Executor returns the Executor the asynqpg engine runs statements
// through. It also implements [driver.ListenerFactory]. It returns nil
// when db has no *sqlx.DB or that has no *sql.DB (a zero DB): asynqpg then
// reports [driver.ErrNilQuerier]. A DB made without New, as &DB{DB: x},
// runs its statements on x.
func (db *DB) Executor() driver.Executor {
	if db == nil || db.DB == nil || db.DB.DB == nil {
		return nil
	}
	if db.ex == nil || db.ex.Querier() != driver.StdQuerier(db.DB) {
		return driver.NewStdExecutor(db.DB)
	}
	return db.ex
}

// Compile-time checks.
var (
	_ asynqpg.Pool           = (*DB)(nil)
	_ driver.ExecutorSource  = (*DB)(nil)
	_ driver.ListenerFactory = (*driver.StdExecutor)(nil)
)
