package bundriver_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	_ "github.com/lib/pq"              // the "postgres" database/sql driver
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/conformance"
	"github.com/yakser/asynqpg/driver"
	bundriver "github.com/yakser/asynqpg/driver/bun"
	"github.com/yakser/asynqpg/internal/testdb"
	"github.com/yakser/asynqpg/producer"
)

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
	return conformance.Tx{
		Querier: bundriver.NewTx(tx),
		Commit:  func(context.Context) error { return tx.Commit() },
		Rollback: func(context.Context) error {
			if err := tx.Rollback(); !errors.Is(err, sql.ErrTxDone) {
				return err
			}
			return nil
		},
	}
}

// open returns a conformance Open function for bun on the named
// database/sql driver.
func open(driverName string) func(t testing.TB, url string) asynqpg.Pool {
	return func(t testing.TB, url string) asynqpg.Pool { return bundriver.New(openBun(t, driverName, url)) }
}

func TestConformance(t *testing.T) {
	t.Parallel()
	entries := []conformance.Driver{
		{Name: "bun/db", Open: open("pgx"), Begin: beginBun, CanListen: true},
		{Name: "bun/tx", Open: open("pgx"), Begin: beginBun, TxEntry: true, SkipConsumer: true, CanListen: true},
	}
	for _, d := range entries {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			conformance.Run(t, d)
		})
	}
}

// TestConformanceLibPQ runs the driver chapter for bun on lib/pq: the rest
// of the engine sees the same database/sql path as on pgx's stdlib.
func TestConformanceLibPQ(t *testing.T) {
	t.Parallel()
	entries := []conformance.Driver{
		{Name: "bun/libpq/db", Open: open("postgres"), Begin: beginBun, CanListen: true},
		{Name: "bun/libpq/tx", Open: open("postgres"), Begin: beginBun, TxEntry: true, SkipConsumer: true, CanListen: true},
	}
	for _, d := range entries {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			conformance.RunDriverChapter(t, d)
		})
	}
}

// TestResolveNilHandles checks that nil and zero values of the adapter's
// types, and adapter values around a zero database/sql handle, are refused
// with driver.ErrNilQuerier, by driver.Resolve and by the producer, while
// the values of New and NewTx resolve.
func TestResolveNilHandles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openBun(t, "pgx", os.Getenv("DATABASE_URL"))
	pool := bundriver.New(db)
	p, err := producer.New(producer.Config{Pool: pool})
	require.NoError(t, err)

	cases := []struct {
		name    string
		handle  any
		errText string
	}{
		{"New(nil)", bundriver.New(nil), "driver: nil Pool or Querier"},
		{"New of a zero *bun.DB", bundriver.New(&bun.DB{}), "driver: nil Pool or Querier"},
		{"New over a zero *sql.DB", bundriver.New(bun.NewDB(&sql.DB{}, pgdialect.New())), "*bundriver.DB holds a zero *sql.DB"},
		{"nil *DB", (*bundriver.DB)(nil), "driver: nil Pool or Querier"},
		{"zero DB", &bundriver.DB{}, "driver: nil Pool or Querier: *bundriver.DB has no executor"},
		{"NewTx of a zero bun.Tx", bundriver.NewTx(bun.Tx{}), "driver: nil Pool or Querier"},
		{"NewTx over a zero *sql.Tx", bundriver.NewTx(bun.Tx{Tx: &sql.Tx{}}), "*bundriver.Tx holds a zero *sql.Tx"},
		{"nil *Tx", (*bundriver.Tx)(nil), "driver: nil Pool or Querier"},
		{"zero Tx", &bundriver.Tx{}, "driver: nil Pool or Querier: *bundriver.Tx has no executor"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			conformance.RequireRefused(t, p, tc.handle, tc.errText)
		})
	}

	t.Run("valid", func(t *testing.T) {
		t.Parallel()
		ex, err := driver.Resolve(pool)
		require.NoError(t, err)
		_, ok := ex.(driver.ListenerFactory)
		require.True(t, ok, "pool executor %T cannot listen", ex)

		tx, err := db.BeginTx(ctx, nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = tx.Rollback() })
		ex, err = driver.Resolve(bundriver.NewTx(tx))
		require.NoError(t, err)
		var one int64
		require.NoError(t, ex.QueryRow(ctx, "SELECT 1").Scan(&one))
		require.Equal(t, int64(1), one)
	})
}
