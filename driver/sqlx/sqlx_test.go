package sqlxdriver_test

import "context"
import "database/sql"
import "os"
import "testing"

import _ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
import "github.com/jmoiron/sqlx"
import _ "github.com/lib/pq" // the "postgres" database/sql driver
import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/conformance"
import "github.com/yakser/asynqpg/driver"
import sqlxdriver "github.com/yakser/asynqpg/driver/sqlx"
import "github.com/yakser/asynqpg/internal/testdb"

func TestMain(m *testing.M) { testdb.MainWithURL(m) }

// openSqlx opens a *sqlx.DB with the given database/sql driver, closed when
// the test ends.
func openSqlx(t testing.TB, driverName, url string) *sqlx.DB {
	t.Helper()
	db, err := sqlx.Open(driverName, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// beginSqlx begins a transaction through database/sql on a Pool that is a
// *sqlx.DB (wrapped or not) and returns it unwrapped, as a *sqlx.Tx.
func beginSqlx(t testing.TB, pool asynqpg.Pool) conformance.Tx {
	t.Helper()
	var db *sqlx.DB
	switch p := pool.(type) {
	case *sqlxdriver.DB:
		db = p.DB
	case *sqlx.DB:
		db = p
	default:
		t.Fatalf("unexpected pool %T", pool)
	}
	tx, err := db.BeginTxx(context.Background(), nil)
	require.NoError(t, err)
	return conformance.StdTx(tx, tx)
}

func TestConformance(t *testing.T) {
	t.Parallel()
	entries := []conformance.Driver{
		{
			Name: "sqlx/libpq",
			Open: func(t testing.TB, url string) asynqpg.Pool {
				return sqlxdriver.New(openSqlx(t, "postgres", url))
			},
			Begin:     beginSqlx,
			CanListen: true,
		},
		{
			Name: "sqlx/pgxstdlib",
			Open: func(t testing.TB, url string) asynqpg.Pool {
				return sqlxdriver.New(openSqlx(t, "pgx", url))
			},
			Begin:     beginSqlx,
			CanListen: true,
		},
		{
			Name: "wrapstddb",
			Open: func(t testing.TB, url string) asynqpg.Pool {
				return asynqpg.WrapStdDB(testdb.OpenURL(t, url), "pgx")
			},
			Begin:     beginSqlx,
			CanListen: true,
		},
		{
			Name: "sqlx/tx",
			Open: func(t testing.TB, url string) asynqpg.Pool {
				return openSqlx(t, "postgres", url)
			},
			Begin:        beginSqlx,
			TxEntry:      true,
			SkipConsumer: true,
			CanListen:    true,
		},
	}
	conformance.RunEntries(t, entries, conformance.Run)
}

// TestResolveNilHandles checks that nil and zero values of the adapter's
// type and of sqlx's, and handles around a nil or zero *sql.DB or *sql.Tx,
// are refused with driver.ErrNilQuerier, by driver.Resolve and by the
// producer, while valid handles resolve.
func TestResolveNilHandles(t *testing.T) {
	t.Parallel()
	db := openSqlx(t, "pgx", os.Getenv("DATABASE_URL"))
	pool := sqlxdriver.New(db)
	conformance.RequireRefusals(t, pool, []conformance.Refusal{
		{Name: "New(nil)", Handle: sqlxdriver.New(nil), ErrText: "driver: nil Pool or Querier"},
		{Name: "New without *sql.DB", Handle: sqlxdriver.New(sqlx.NewDb(nil, "pgx")), ErrText: "driver: nil Pool or Querier"},
		{Name: "New over a zero *sql.DB", Handle: sqlxdriver.New(sqlx.NewDb(&sql.DB{}, "pgx")), ErrText: "*sqlxdriver.DB holds a zero *sql.DB"},
		{Name: "nil *DB", Handle: (*sqlxdriver.DB)(nil), ErrText: "driver: nil Pool or Querier"},
		{Name: "zero DB", Handle: &sqlxdriver.DB{}, ErrText: "driver: nil Pool or Querier: *sqlxdriver.DB has no executor"},
		{Name: "DB of a zero *sqlx.DB", Handle: &sqlxdriver.DB{DB: &sqlx.DB{}}, ErrText: "*sqlxdriver.DB has no executor"},
		{Name: "WrapStdDB(nil)", Handle: asynqpg.WrapStdDB(nil, "pgx"), ErrText: "driver: nil Pool or Querier: *sqlx.DB has no *sql.DB"},
		{Name: "zero *sqlx.DB", Handle: &sqlx.DB{}, ErrText: "*sqlx.DB has no *sql.DB"},
		{Name: "nil *sqlx.Tx", Handle: (*sqlx.Tx)(nil), ErrText: "driver: nil Pool or Querier"},
		{Name: "*sqlx.Tx without *sql.Tx", Handle: &sqlx.Tx{Tx: nil}, ErrText: "*sqlx.Tx has no *sql.Tx"},
		{Name: "*sqlx.Tx over a zero *sql.Tx", Handle: &sqlx.Tx{Tx: &sql.Tx{}}, ErrText: "*sqlx.Tx holds a zero *sql.Tx"},
	})

	t.Run("valid", func(t *testing.T) {
		t.Parallel()
		for _, h := range []asynqpg.Pool{pool, &sqlxdriver.DB{DB: db}, db, asynqpg.WrapStdDB(db.DB, "pgx")} {
			ex, err := driver.Resolve(h)
			require.NoError(t, err, "%T", h)
			std, ok := ex.(*driver.StdExecutor)
			require.True(t, ok, "%T resolves to %T", h, ex)
			_, ok = std.Querier().(*sqlx.DB)
			require.True(t, ok, "%T runs on %T", h, std.Querier())
		}
		ex, err := driver.Resolve(&sqlxdriver.DB{DB: db})
		require.NoError(t, err)
		require.Same(t, db, ex.(*driver.StdExecutor).Querier())

		tx, err := db.BeginTxx(context.Background(), nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = tx.Rollback() })
		conformance.RequireQueries(t, tx)
	})
}
