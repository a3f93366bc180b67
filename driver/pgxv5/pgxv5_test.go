package pgxv5driver_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/conformance"
	pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
	"github.com/yakser/asynqpg/internal/testdb"
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
