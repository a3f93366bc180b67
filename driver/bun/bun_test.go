package bundriver_test

import "context"
import "database/sql"
import "os"
import "testing"

import _ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
import _ "github.com/lib/pq"              // the "postgres" database/sql driver
import "github.com/stretchr/testify/require"
import "github.com/uptrace/bun"
import "github.com/uptrace/bun/dialect/pgdialect"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/conformance"
import bundriver "github.com/yakser/asynqpg/driver/bun"
import "github.com/yakser/asynqpg/internal/testdb"

func TestMain(m *testing.M) { testdb.MainWithURL(m) }

// openBun opens a *bun.DB on the given database/sql driver, closed when the
// test ends.
func openBun(t testing.TB, driverName, url string) *bun.DB {
	t.Helper()
	sqldb, err := sql.Open(driverName, url)
	require.NoError(t, err)
	db := bun.NewDB(sqldb, pgdialect.New())
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// beginBun begins a bun transaction on the adapter's *bun.DB and returns it
// as a Querier through NewTx.
func beginBun(t testing.TB, pool asynqpg.Pool) conformance.Tx {
	t.Helper()
	p, ok := pool.(*bundriver.DB)
	require.True(t, ok, "unexpected pool %T", pool)
	tx, err := p.BunDB().BeginTx(context.Background(), nil)
	require.NoError(t, err)
	return conformance.StdTx(bundriver.NewTx(tx), tx)
}

// open returns a conformance Open function for bun on the named
// database/sql driver.
func open(driverName string) func(t testing.TB, url string) asynqpg.Pool {
	return func(t testing.TB, url string) asynqpg.Pool { return bundriver.New(openBun(t, driverName, url)) }
}

// entries are the conformance entries for bun on the named database/sql
// driver, named under prefix: one on a pool and one in a transaction.
func entries(prefix, driverName string) []conformance.Driver {
	return []conformance.Driver{
		{Name: prefix + "/db", Open: open(driverName), Begin: beginBun, CanListen: true},
		{Name: prefix + "/tx", Open: open(driverName), Begin: beginBun, TxEntry: true, SkipConsumer: true, CanListen: true},
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	conformance.RunEntries(t, entries("bun", "pgx"), conformance.Run)
}

// TestConformanceLibPQ runs the driver chapter for bun on lib/pq: the rest
// of the engine sees the same database/sql path as on pgx's stdlib.
func TestConformanceLibPQ(t *testing.T) {
	t.Parallel()
	conformance.RunEntries(t, entries("bun/libpq", "postgres"), conformance.RunDriverChapter)
}

// TestResolveNilHandles checks that nil and zero values of the adapter's
// types, and adapter values around a zero database/sql handle, are refused
// with driver.ErrNilQuerier, by driver.Resolve and by the producer, while
// the values of New and NewTx resolve.
func TestResolveNilHandles(t *testing.T) {
	t.Parallel()
	db := openBun(t, "pgx", os.Getenv("DATABASE_URL"))
	pool := bundriver.New(db)
	conformance.RequireRefusals(t, pool, []conformance.Refusal{
		{Name: "New(nil)", Handle: bundriver.New(nil), ErrText: "driver: nil Pool or Querier"},
		{Name: "New of a zero *bun.DB", Handle: bundriver.New(&bun.DB{}), ErrText: "driver: nil Pool or Querier"},
		{Name: "New over a zero *sql.DB", Handle: bundriver.New(bun.NewDB(&sql.DB{}, pgdialect.New())), ErrText: "*bundriver.DB holds a zero *sql.DB"},
		{Name: "nil *DB", Handle: (*bundriver.DB)(nil), ErrText: "driver: nil Pool or Querier"},
		{Name: "zero DB", Handle: &bundriver.DB{}, ErrText: "driver: nil Pool or Querier: *bundriver.DB has no executor"},
		{Name: "NewTx of a zero bun.Tx", Handle: bundriver.NewTx(bun.Tx{}), ErrText: "driver: nil Pool or Querier"},
		{Name: "NewTx over a zero *sql.Tx", Handle: bundriver.NewTx(bun.Tx{Tx: &sql.Tx{}}), ErrText: "*bundriver.Tx holds a zero *sql.Tx"},
		{Name: "nil *Tx", Handle: (*bundriver.Tx)(nil), ErrText: "driver: nil Pool or Querier"},
		{Name: "zero Tx", Handle: &bundriver.Tx{}, ErrText: "driver: nil Pool or Querier: *bundriver.Tx has no executor"},
	})

	t.Run("valid", func(t *testing.T) {
		t.Parallel()
		conformance.RequireListens(t, pool)
		tx, err := db.BeginTx(context.Background(), nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = tx.Rollback() })
		conformance.RequireQueries(t, bundriver.NewTx(tx))
	})
}
