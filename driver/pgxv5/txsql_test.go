package pgxv5driver_test

import "context"
import "database/sql"
import "testing"

import "github.com/jackc/pgx/v5"
import "github.com/jackc/pgx/v5/pgxpool"
import "github.com/lib/pq"
import "github.com/stretchr/testify/require"
import "go.uber.org/goleak"

import "github.com/yakser/asynqpg"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
import "github.com/yakser/asynqpg/internal/testdb"
import "github.com/yakser/asynqpg/internal/testfixture"

// txBundle is a pool, its adapter and a transaction's Querier.
type txBundle struct {
	pool *pgxpool.Pool
	p    asynqpg.Pool
	tx   pgx.Tx
	q    asynqpg.Querier
}

// setupTx opens a pool in the given exec mode and begins a transaction,
// rolled back when the test ends.
func setupTx(t *testing.T, mode pgx.QueryExecMode) *txBundle {
	t.Helper()
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(testdb.URL(t))
	require.NoError(t, err)
	cfg.ConnConfig.DefaultQueryExecMode = mode
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	return &txBundle{pool: pool, p: pgxv5driver.New(pool), tx: tx, q: pgxv5driver.NewTx(tx)}
}

// TestTxQuerierValues checks that a transaction's Querier hands
// database/sql the same values as pgx's stdlib driver does, type by type,
// in the extended and the simple protocol.
func TestTxQuerierValues(t *testing.T) {
	t.Parallel()
	exprs := []string{
		`NULL::text`,
		`true`,
		`false`,
		`'\x00ff10'::bytea`,
		`''::bytea`,
		`(-32768)::smallint`,
		`2147483647::integer`,
		`(-9223372036854775808)::bigint`,
		`1.5::real`,
		`-2.25::double precision`,
		`'12345678901234567890.123456789'::numeric`,
		`'text, "quoted" ☃'::text`,
		`'varchar'::varchar(10)`,
		`'x'::"char"`,
		`'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid`,
		`'{"a": [1, "b"]}'::jsonb`,
		`'{"a":1}'::json`,
		`'2024-02-29'::date`,
		`'infinity'::date`,
		`'2024-02-29 12:34:56.789012'::timestamp`,
		`'2024-02-29 12:34:56.789012+05:30'::timestamptz`,
		`'-infinity'::timestamptz`,
		`'1 day 02:03:04.000005'::interval`,
		`'{1,2,NULL}'::integer[]`,
		`'{"a,b","c\"d",NULL}'::text[]`,
		`'{"\\x00ff"}'::bytea[]`,
		`'10.0.0.1/8'::inet`,
		`12345::oid`,
		`'7'::xid`,
		`'(1,2)'::point`,
	}
	modes := []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol}
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			b := setupTx(t, mode)
			ctx := context.Background()
			for _, expr := range exprs {
				// What pgx's stdlib driver returns, through the Pool...
				var want any
				require.NoError(t, b.p.QueryRowContext(ctx, `SELECT `+expr).Scan(&want), expr)
				// ...is what the transaction's Querier returns.
				var got any
				require.NoError(t, b.q.QueryRowContext(ctx, `SELECT `+expr).Scan(&got), expr)
				require.Equal(t, want, got, expr)
			}
		})
	}
}

// TestTxQuerierScanners checks scanning into the types applications use
// with database/sql and sqlx through a transaction's Querier.
func TestTxQuerierScanners(t *testing.T) {
	t.Parallel()
	b := setupTx(t, pgx.QueryExecModeCacheStatement)
	ctx := context.Background()

	var (
		ints    []int64
		strs    []string
		floats  sql.NullFloat64
		numeric float64
		id      string
		flag    sql.NullBool
		small   int
	)
	require.NoError(t, b.q.QueryRowContext(ctx,
		`SELECT $1::bigint[], $2::text[], NULL::float8, 1.25::numeric, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, true, 7::smallint`,
		[]int64{1, 2}, pq.Array([]string{"x", "y,z"})).
		Scan(pq.Array(&ints), pq.Array(&strs), &floats, &numeric, &id, &flag, &small))
	require.Equal(t, []int64{1, 2}, ints)
	require.Equal(t, []string{"x", "y,z"}, strs)
	require.False(t, floats.Valid)
	require.Equal(t, 1.25, numeric)
	require.Equal(t, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", id)
	require.Equal(t, sql.NullBool{Bool: true, Valid: true}, flag)
	require.Equal(t, 7, small)

	// Column types are reported.
	rows, err := b.q.QueryContext(ctx, `SELECT 1::bigint AS n, 'x'::text AS s, '{}'::jsonb AS j`)
	require.NoError(t, err)
	types, err := rows.ColumnTypes()
	require.NoError(t, err)
	require.NoError(t, rows.Close())
	var names, dbTypes []string
	for _, ct := range types {
		names = append(names, ct.Name())
		dbTypes = append(dbTypes, ct.DatabaseTypeName())
	}
	require.Equal(t, []string{"n", "s", "j"}, names)
	require.Equal(t, []string{"INT8", "TEXT", "JSONB"}, dbTypes)
}

// TestTxQuerierErrors checks errors raised while a query runs, and the
// statements the transaction's Querier does not run.
func TestTxQuerierErrors(t *testing.T) {
	t.Parallel()
	b := setupTx(t, pgx.QueryExecModeCacheStatement)
	ctx := context.Background()

	// A run-time error in the first row is returned by QueryContext
	// itself, with its SQLSTATE, as with pgx's stdlib driver.
	_, err := b.q.QueryContext(ctx, `SELECT 1 / (x - 1) FROM generate_series(1, 5) AS g(x)`)
	require.Error(t, err)
	var pgErr interface{ SQLState() string }
	require.ErrorAs(t, err, &pgErr)
	require.Equal(t, "22012", pgErr.SQLState())
	require.NoError(t, b.tx.Rollback(ctx))

	// A finished transaction's Querier reports it.
	_, err = b.q.ExecContext(ctx, `SELECT 1`)
	require.ErrorIs(t, err, pgx.ErrTxClosed)
	err = b.q.QueryRowContext(ctx, `SELECT 1`).Scan(new(int))
	require.ErrorIs(t, err, pgx.ErrTxClosed)

	res, err := pgxv5driver.NewTx(beginTx(t, b.pool)).ExecContext(ctx, `SELECT 1`)
	require.NoError(t, err)
	_, err = res.LastInsertId()
	require.Error(t, err)
}

// beginTx begins a transaction on pool, rolled back when the test ends.
func beginTx(t *testing.T, pool *pgxpool.Pool) pgx.Tx {
	t.Helper()
	tx, err := pool.Begin(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	return tx
}

// TestNil checks that nil handles give nil Queriers.
func TestNil(t *testing.T) {
	t.Parallel()
	require.Nil(t, pgxv5driver.New(nil))
	require.Nil(t, pgxv5driver.NewTx(nil))
}

// TestQuerierNoGoroutineLeak checks that the Pool and Tx Queriers leave
// nothing running behind their calls but the one shared database/sql
// handle, and hold no pool connection once their calls and rows are done.
// It is not parallel, so that no other test's goroutines come and go
// meanwhile.
func TestQuerierNoGoroutineLeak(t *testing.T) {
	ctx := context.Background()
	pool := testdb.PgxPool(t, testdb.URL(t))
	require.NoError(t, pool.Ping(ctx)) // the pool's own goroutines start now
	// The shared handle's connection opener starts at its first use and
	// stays.
	_, err := pgxv5driver.New(pool).ExecContext(ctx, `SELECT 1`)
	require.NoError(t, err)
	before := goleak.IgnoreCurrent()

	tx := beginTx(t, pool)
	for _, q := range []asynqpg.Querier{pgxv5driver.New(pool), pgxv5driver.NewTx(tx)} {
		_, err := q.ExecContext(ctx, `SELECT 1`)
		require.NoError(t, err)
		var n []int
		require.NoError(t, q.SelectContext(ctx, &n, `SELECT generate_series(1, 3)`))
		require.Equal(t, []int{1, 2, 3}, n)
		var one int
		require.NoError(t, q.GetContext(ctx, &one, `SELECT 1`))
		require.NoError(t, q.QueryRowContext(ctx, `SELECT 1`).Scan(&one))

		// Rows outlive the call that returned them and stay readable.
		rows, err := q.QueryContext(ctx, `SELECT generate_series(1, 3)`)
		require.NoError(t, err)
		var sum int
		for rows.Next() {
			var v int
			require.NoError(t, rows.Scan(&v))
			sum += v
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
		require.Equal(t, 6, sum)

		// Rows abandoned half-read are released by Close.
		rows, err = q.QueryContext(ctx, `SELECT generate_series(1, 1000)`)
		require.NoError(t, err)
		require.True(t, rows.Next())
		require.NoError(t, rows.Close())
	}
	require.NoError(t, tx.Commit(ctx))
	require.Zero(t, pool.Stat().AcquiredConns(), "a call kept its pool connection")
	goleak.VerifyNone(t, before, testfixture.IgnorePgxBackgroundReader)
}
