package sqlxdriver_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the "postgres" database/sql driver
	"github.com/stretchr/testify/require"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/conformance"
	sqlxdriver "github.com/yakser/asynqpg/driver/sqlx"
	"github.com/yakser/asynqpg/internal/testdb"
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
