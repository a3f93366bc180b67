package driver_test

import "context"
import "database/sql"
import "testing"

import "github.com/jmoiron/sqlx"
import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/conformance"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/producer"

// source is an ExecutorSource handing out ex.
type source struct{ ex driver.Executor }

func (s source) Executor() driver.Executor { return s.ex }

func TestResolve(t *testing.T) {
	t.Parallel()
	sqlDB, err := sql.Open("pgx", "postgres://127.0.0.1:1/unused")
	require.NoError(t, err)
	t.Cleanup(func() { _ = sqlDB.Close() })
	sqlxDB := sqlx.NewDb(sqlDB, "pgx")
	std := driver.NewStdExecutor(sqlDB)

	cases := []struct {
		name    string
		handle  any
		wantErr error
		errText string
		check   func(t *testing.T, ex driver.Executor)
	}{
		{name: "nil", handle: nil, wantErr: driver.ErrNilQuerier},
		{name: "nil *sqlx.DB", handle: (*sqlx.DB)(nil), wantErr: driver.ErrNilQuerier},
		{name: "nil *sql.Tx", handle: (*sql.Tx)(nil), wantErr: driver.ErrNilQuerier},
		{name: "source without executor", handle: source{}, wantErr: driver.ErrNilQuerier, errText: "driver_test.source has no executor"},
		{name: "unsupported", handle: "SELECT 1", errText: "driver: unsupported handle string"},
		{name: "source", handle: source{ex: std}, check: func(t *testing.T, ex driver.Executor) { require.Same(t, std, ex) }},
		{name: "executor", handle: std, check: func(t *testing.T, ex driver.Executor) { require.Same(t, std, ex) }},
		{name: "*sqlx.DB", handle: sqlxDB, check: requireStdPool(sqlxDB)},
		{name: "WrapStdDB", handle: asynqpg.WrapStdDB(sqlDB, "pgx"), check: requireStdPool(nil)},
		{name: "*sql.DB", handle: sqlDB, check: requireStdPool(sqlDB)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ex, err := driver.Resolve(tc.handle)
			if tc.wantErr != nil || tc.errText != "" {
				require.Error(t, err)
				require.Nil(t, ex)
				if tc.wantErr != nil {
					require.ErrorIs(t, err, tc.wantErr)
				}
				require.Contains(t, err.Error(), tc.errText)
				return
			}
			require.NoError(t, err)
			tc.check(t, ex)
		})
	}
}

// requireStdPool checks that ex is a database/sql Executor over q (when
// given) that can listen.
func requireStdPool(q driver.StdQuerier) func(t *testing.T, ex driver.Executor) {
	return func(t *testing.T, ex driver.Executor) {
		t.Helper()
		std, ok := ex.(*driver.StdExecutor)
		require.True(t, ok, "got %T", ex)
		if q != nil {
			require.Same(t, q, std.Querier())
		}
		_, ok = ex.(driver.ListenerFactory)
		require.True(t, ok)
	}
}

// TestResolveTransactions checks that database/sql transactions, plain or
// sqlx, resolve to Executors that begin savepoints and cannot listen.
func TestResolveTransactions(t *testing.T) {
	t.Parallel()
	db := openDB(t, "pgx")
	ctx := context.Background()
	sqlxDB := sqlx.NewDb(db, "pgx")

	stdTx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = stdTx.Rollback() })
	sqlxTx, err := sqlxDB.BeginTxx(ctx, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sqlxTx.Rollback() })

	for _, handle := range []any{stdTx, sqlxTx} {
		ex, err := driver.Resolve(handle)
		require.NoError(t, err)
		_, err = ex.(driver.ListenerFactory).NewListener(ctx)
		require.ErrorIs(t, err, driver.ErrUnsupported)

		// Begin is a savepoint: rolling it back keeps the outer work.
		_, err = ex.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS resolve_sp (id bigint)`)
		require.NoError(t, err)
		sp, err := ex.Begin(ctx)
		require.NoError(t, err)
		_, err = sp.Exec(ctx, `INSERT INTO resolve_sp VALUES (1)`)
		require.NoError(t, err)
		require.NoError(t, sp.Rollback(ctx))
		var n int
		require.NoError(t, ex.QueryRow(ctx, `SELECT count(*) FROM resolve_sp`).Scan(&n))
		require.Equal(t, 0, n)
		require.NoError(t, sp.Rollback(ctx), "second rollback")
		require.Error(t, sp.Commit(ctx), "commit after rollback")
	}
}

// TestResolveRefusesNilInside checks that handles with nothing behind them
// (a nil or zero database/sql handle inside a non-nil one) are refused
// where they are configured, by Resolve and by what calls it, instead of
// panicking on the first statement.
func TestResolveRefusesNilInside(t *testing.T) {
	t.Parallel()
	sqlDB, err := sql.Open("pgx", "postgres://127.0.0.1:1/unused")
	require.NoError(t, err)
	t.Cleanup(func() { _ = sqlDB.Close() })
	p, err := producer.New(producer.Config{Pool: sqlx.NewDb(sqlDB, "pgx")})
	require.NoError(t, err)

	cases := []struct {
		name    string
		handle  any
		errText string
	}{
		{"nil *sqlx.Tx", (*sqlx.Tx)(nil), "driver: nil Pool or Querier"},
		{"WrapStdDB(nil)", asynqpg.WrapStdDB(nil, "pgx"), "driver: nil Pool or Querier: *sqlx.DB has no *sql.DB"},
		{"zero *sqlx.DB", &sqlx.DB{}, "*sqlx.DB has no *sql.DB"},
		{"*sqlx.DB over a zero *sql.DB", sqlx.NewDb(&sql.DB{}, "pgx"), "*sqlx.DB holds a zero *sql.DB"},
		{"zero *sqlx.Tx", &sqlx.Tx{}, "*sqlx.Tx has no *sql.Tx"},
		{"*sqlx.Tx over a zero *sql.Tx", &sqlx.Tx{Tx: &sql.Tx{}}, "*sqlx.Tx holds a zero *sql.Tx"},
		{"zero *sqlx.Conn", &sqlx.Conn{}, "*sqlx.Conn has no *sql.Conn"},
		{"zero *sql.DB", &sql.DB{}, "*sql.DB is a zero value"},
		{"zero *sql.Tx", &sql.Tx{}, "*sql.Tx is a zero value"},
		{"zero *sql.Conn", &sql.Conn{}, "*sql.Conn is a zero value"},
		{"zero StdExecutor", &driver.StdExecutor{}, "*driver.StdExecutor has no database/sql handle"},
		{"StdExecutor over a zero *sqlx.DB", driver.NewStdExecutor(&sqlx.DB{}), "*driver.StdExecutor has no *sql.DB"},
		{"source of a nil StdExecutor", source{ex: (*driver.StdExecutor)(nil)}, "driver_test.source has no executor"},
		{"source of a zero StdExecutor", source{ex: &driver.StdExecutor{}}, "driver_test.source has no database/sql handle"},
		{"source over WrapStdDB(nil)", source{ex: driver.NewStdExecutor(asynqpg.WrapStdDB(nil, "pgx"))}, "driver_test.source has no *sql.DB"},
		{"source over a zero *sql.Tx", source{ex: driver.NewStdExecutor(&sql.Tx{})}, "driver_test.source holds a zero *sql.Tx"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			conformance.RequireRefused(t, p, tc.handle, tc.errText)
		})
	}
}
