package sqlxdriver_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the "postgres" database/sql driver
	"github.com/stretchr/testify/require"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/conformance"
	"github.com/yakser/asynqpg/driver"
	sqlxdriver "github.com/yakser/asynqpg/driver/sqlx"
	"github.com/yakser/asynqpg/internal/testdb"
	"github.com/yakser/asynqpg/producer"
)

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
	return conformance.Tx{
		Querier:  tx,
		Commit:   func(context.Context) error { return tx.Commit() },
		Rollback: rollbackStd(tx.Tx),
	}
}

// rollbackStd rolls tx back; after Commit it is a no-op.
func rollbackStd(tx *sql.Tx) func(context.Context) error {
	return func(context.Context) error {
		err := tx.Rollback()
		if errors.Is(err, sql.ErrTxDone) {
			return nil
		}
		return err
	}
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
				db, err := sql.Open("pgx", url)
				require.NoError(t, err)
				t.Cleanup(func() { _ = db.Close() })
				return asynqpg.WrapStdDB(db, "pgx")
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
	for _, d := range entries {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			conformance.Run(t, d)
		})
	}
}

// TestResolveNilHandles checks that nil and zero values of the adapter's
// type and of sqlx's, and handles around a nil or zero *sql.DB or *sql.Tx,
// are refused with driver.ErrNilQuerier, by driver.Resolve and by the
// producer, while valid handles resolve.
func TestResolveNilHandles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openSqlx(t, "pgx", os.Getenv("DATABASE_URL"))
	pool := sqlxdriver.New(db)
	p, err := producer.New(producer.Config{Pool: pool})
	require.NoError(t, err)

	cases := []struct {
		name    string
		handle  any
		errText string
	}{
		{"New(nil)", sqlxdriver.New(nil), "driver: nil Pool or Querier"},
		{"New without *sql.DB", sqlxdriver.New(sqlx.NewDb(nil, "pgx")), "driver: nil Pool or Querier"},
		{"New over a zero *sql.DB", sqlxdriver.New(sqlx.NewDb(&sql.DB{}, "pgx")), "*sqlxdriver.DB holds a zero *sql.DB"},
		{"nil *DB", (*sqlxdriver.DB)(nil), "driver: nil Pool or Querier"},
		{"zero DB", &sqlxdriver.DB{}, "driver: nil Pool or Querier: *sqlxdriver.DB has no executor"},
		{"DB of a zero *sqlx.DB", &sqlxdriver.DB{DB: &sqlx.DB{}}, "*sqlxdriver.DB has no executor"},
		{"WrapStdDB(nil)", asynqpg.WrapStdDB(nil, "pgx"), "driver: nil Pool or Querier: *sqlx.DB has no *sql.DB"},
		{"zero *sqlx.DB", &sqlx.DB{}, "*sqlx.DB has no *sql.DB"},
		{"nil *sqlx.Tx", (*sqlx.Tx)(nil), "driver: nil Pool or Querier"},
		{"*sqlx.Tx without *sql.Tx", &sqlx.Tx{Tx: nil}, "*sqlx.Tx has no *sql.Tx"},
		{"*sqlx.Tx over a zero *sql.Tx", &sqlx.Tx{Tx: &sql.Tx{}}, "*sqlx.Tx holds a zero *sql.Tx"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			conformance.RequireRefused(t, p, tc.handle, tc.errText)
		})
	}

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

		tx, err := db.BeginTxx(ctx, nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = tx.Rollback() })
		ex, err = driver.Resolve(tx)
		require.NoError(t, err)
		var one int64
		require.NoError(t, ex.QueryRow(ctx, "SELECT 1").Scan(&one))
		require.Equal(t, int64(1), one)
	})
}
