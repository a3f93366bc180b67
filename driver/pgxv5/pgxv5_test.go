package pgxv5driver_test

import "context"
import "os"
import "testing"

import "github.com/jackc/pgx/v5"
import "github.com/jackc/pgx/v5/pgxpool"
import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/conformance"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
import "github.com/yakser/asynqpg/internal/testdb"

func TestMain(m *testing.M) { testdb.MainWithURL(m) }

// openSimpleProtocol opens a pool in the simple query protocol, the mode
// PgBouncer in transaction mode needs.
func openSimpleProtocol(t testing.TB, url string) asynqpg.Pool {
	t.Helper()
	return conformance.OpenPgx(t, url, pgx.QueryExecModeSimpleProtocol)
}

func TestConformance(t *testing.T) {
	t.Parallel()
	open := func(t testing.TB, url string) asynqpg.Pool { return pgxv5driver.New(testdb.PgxPool(t, url)) }
	entries := []conformance.Driver{
		{Name: "pgxv5/pool", Open: open, Begin: conformance.BeginPgx, CanListen: true},
		{Name: "pgxv5/tx", Open: open, Begin: conformance.BeginPgx, TxEntry: true, SkipConsumer: true, CanListen: true},
		{Name: "pgxv5/simple-protocol", Open: openSimpleProtocol, Begin: conformance.BeginPgx, CanListen: true},
	}
	conformance.RunEntries(t, entries, conformance.Run)
}

// TestResolveNilHandles checks that nil and zero values of the adapter's
// types are refused with driver.ErrNilQuerier, by driver.Resolve and by
// the producer, while the values of New and NewTx resolve.
func TestResolveNilHandles(t *testing.T) {
	t.Parallel()
	pool := pgxv5driver.New(testdb.PgxPool(t, os.Getenv("DATABASE_URL")))
	conformance.RequireRefusals(t, pool, []conformance.Refusal{
		{Name: "New(nil)", Handle: pgxv5driver.New(nil), ErrText: "driver: nil Pool or Querier"},
		{Name: "nil *Pool", Handle: (*pgxv5driver.Pool)(nil), ErrText: "driver: nil Pool or Querier"},
		{Name: "zero Pool", Handle: &pgxv5driver.Pool{}, ErrText: "driver: nil Pool or Querier: *pgxv5driver.Pool has no executor"},
		{Name: "NewTx(nil)", Handle: pgxv5driver.NewTx(nil), ErrText: "driver: nil Pool or Querier"},
		{Name: "NewTx of a nil *pgxpool.Tx", Handle: pgxv5driver.NewTx((*pgxpool.Tx)(nil)), ErrText: "driver: nil Pool or Querier"},
		{Name: "nil *Tx", Handle: (*pgxv5driver.Tx)(nil), ErrText: "driver: nil Pool or Querier"},
		{Name: "zero Tx", Handle: &pgxv5driver.Tx{}, ErrText: "driver: nil Pool or Querier: *pgxv5driver.Tx has no executor"},
	})

	t.Run("valid", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		conformance.RequireListens(t, pool)
		tx, err := pool.(*pgxv5driver.Pool).PgxPool().Begin(ctx)
		require.NoError(t, err)
		t.Cleanup(func() { _ = tx.Rollback(ctx) })
		conformance.RequireQueries(t, pgxv5driver.NewTx(tx))
	})
}
