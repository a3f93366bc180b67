package pgxv5driver_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/conformance"
	"github.com/yakser/asynqpg/driver"
	pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
	"github.com/yakser/asynqpg/internal/testdb"
	"github.com/yakser/asynqpg/producer"
)

func TestMain(m *testing.M) { testdb.MainWithURL(m) }

// openPool opens a pgx pool on url, closed when the test ends.
func openPool(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// beginPgx begins a pgx transaction on the adapter's pool and returns it as
// a Querier through NewTx.
func beginPgx(t testing.TB, pool asynqpg.Pool) conformance.Tx {
	t.Helper()
	p, ok := pool.(*pgxv5driver.Pool)
	require.True(t, ok, "unexpected pool %T", pool)
	tx, err := p.PgxPool().Begin(context.Background())
	require.NoError(t, err)
	return conformance.Tx{
		Querier: pgxv5driver.NewTx(tx),
		Commit:  tx.Commit,
		Rollback: func(ctx context.Context) error {
			// pgx's Rollback after Commit reports the closed transaction;
			// the conformance contract wants a no-op.
			if err := tx.Rollback(ctx); !errors.Is(err, pgx.ErrTxClosed) {
				return err
			}
			return nil
		},
	}
}

// openSimpleProtocol opens a pool in the simple query protocol, the mode
// PgBouncer in transaction mode needs.
func openSimpleProtocol(t testing.TB, url string) asynqpg.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	require.NoError(t, err)
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pgxv5driver.New(pool)
}

func TestConformance(t *testing.T) {
	t.Parallel()
	open := func(t testing.TB, url string) asynqpg.Pool { return pgxv5driver.New(openPool(t, url)) }
	entries := []conformance.Driver{
		{Name: "pgxv5/pool", Open: open, Begin: beginPgx, CanListen: true},
		{Name: "pgxv5/tx", Open: open, Begin: beginPgx, TxEntry: true, SkipConsumer: true, CanListen: true},
		{Name: "pgxv5/simple-protocol", Open: openSimpleProtocol, Begin: beginPgx, CanListen: true},
	}
	for _, d := range entries {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			conformance.Run(t, d)
		})
	}
}

// TestResolveNilHandles checks that nil and zero values of the adapter's
// types are refused with driver.ErrNilQuerier, by driver.Resolve and by
// the producer, while the values of New and NewTx resolve.
func TestResolveNilHandles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgxv5driver.New(openPool(t, os.Getenv("DATABASE_URL")))
	p, err := producer.New(producer.Config{Pool: pool})
	require.NoError(t, err)

	cases := []struct {
		name    string
		handle  any
		errText string
	}{
		{"New(nil)", pgxv5driver.New(nil), "driver: nil Pool or Querier"},
		{"nil *Pool", (*pgxv5driver.Pool)(nil), "driver: nil Pool or Querier"},
		{"zero Pool", &pgxv5driver.Pool{}, "driver: nil Pool or Querier: *pgxv5driver.Pool has no executor"},
		{"NewTx(nil)", pgxv5driver.NewTx(nil), "driver: nil Pool or Querier"},
		{"NewTx of a nil *pgxpool.Tx", pgxv5driver.NewTx((*pgxpool.Tx)(nil)), "driver: nil Pool or Querier"},
		{"nil *Tx", (*pgxv5driver.Tx)(nil), "driver: nil Pool or Querier"},
		{"zero Tx", &pgxv5driver.Tx{}, "driver: nil Pool or Querier: *pgxv5driver.Tx has no executor"},
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

		tx, err := pool.(*pgxv5driver.Pool).PgxPool().Begin(ctx)
		require.NoError(t, err)
		t.Cleanup(func() { _ = tx.Rollback(ctx) })
		ex, err = driver.Resolve(pgxv5driver.NewTx(tx))
		require.NoError(t, err)
		var one int64
		require.NoError(t, ex.QueryRow(ctx, "SELECT 1").Scan(&one))
		require.Equal(t, int64(1), one)
	})
}
