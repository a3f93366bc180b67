package pgxv5driver

import "context"
import "database/sql"
import sqldriver "database/sql/driver"
import "errors"
import "sync"

import "github.com/jackc/pgx/v5"
import "github.com/jackc/pgx/v5/pgxpool"
import "github.com/jackc/pgx/v5/stdlib"
import "github.com/jmoiron/sqlx"

// The Querier methods answer with database/sql values (*sql.Rows,
// *sql.Row), which only a *sql.DB can make. Every Pool and Tx of the
// process shares one *sql.DB, opened at its first use: each call names,
// in its context, the pool or the transaction its statement runs on, and
// the handle's connector hands out a connection there. The handle keeps
// no idle connection, so every call gets a connection of its own target,
// and a pool connection goes back to its pool as soon as the call (or the
// rows it returned) is done. Its one goroutine, database/sql's connection
// opener, lives as long as the process.

// sharedDB is the database/sql handle of every Pool and Tx.
var sharedDB = sync.OnceValue(func() *sqlx.DB {
	db := sql.OpenDB(targetConnector{})
	db.SetMaxIdleConns(0)
	return sqlx.NewDb(db, "pgx")
})

// targetKey is the context key of the pool or transaction a call of the
// shared handle runs on.
type targetKey struct{}

// onPool returns ctx naming pool as the target of a shared-handle call.
func onPool(ctx context.Context, pool *pgxpool.Pool) context.Context {
	return context.WithValue(ctx, targetKey{}, pool)
}

// onTx returns ctx naming tx as the target of a shared-handle call.
func onTx(ctx context.Context, tx pgx.Tx) context.Context {
	return context.WithValue(ctx, targetKey{}, tx)
}

// errNoTarget is returned when a shared-handle call names no target; only
// a call that bypasses onPool and onTx can see it.
var errNoTarget = errors.New("pgxv5driver: statement names no pool or transaction")

// targetConnector connects to the target the context names: a connection
// of the pool, as pgx's stdlib driver makes it, or the transaction.
type targetConnector struct{}

func (targetConnector) Connect(ctx context.Context) (sqldriver.Conn, error) {
	switch target := ctx.Value(targetKey{}).(type) {
	case *pgxpool.Pool:
		return stdlib.GetPoolConnector(target).Connect(ctx)
	case pgx.Tx:
		return &txConn{tx: target}, nil
	}
	return nil, errNoTarget
}

func (targetConnector) Driver() sqldriver.Driver { return targetDriver{} }

// targetDriver is the driver.Driver of targetConnector; it cannot open by
// name.
type targetDriver struct{}

func (targetDriver) Open(string) (sqldriver.Conn, error) { return nil, errNoTarget }
