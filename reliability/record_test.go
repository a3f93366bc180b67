package reliability

import "context"
import "database/sql"
import "sync"
import "testing"

import "github.com/jmoiron/sqlx"
import "github.com/stretchr/testify/require"
import "github.com/uptrace/bun"
import "github.com/uptrace/bun/dialect/pgdialect"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import bundriver "github.com/yakser/asynqpg/driver/bun"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
import sqlxdriver "github.com/yakser/asynqpg/driver/sqlx"

// recorder records the SQL text of every statement run through the
// executors it wraps.
type recorder struct {
	mu   sync.Mutex
	sqls []string
}

// take returns the statements recorded since the last take.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.sqls
	r.sqls = nil
	return out
}

func (r *recorder) add(sql string) {
	r.mu.Lock()
	r.sqls = append(r.sqls, sql)
	r.mu.Unlock()
}

// recordPool is an asynqpg.Pool whose engine Executor records statements.
type recordPool struct {
	asynqpg.Pool
	ex *recordExecutor
}

// recordQuerier is an asynqpg.Querier (a transaction) whose engine
// Executor records statements.
type recordQuerier struct {
	asynqpg.Querier
	ex *recordExecutor
}

// Executor implements driver.ExecutorSource.
func (p recordPool) Executor() driver.Executor { return p.ex }

// Executor implements driver.ExecutorSource.
func (q recordQuerier) Executor() driver.Executor { return q.ex }

// newRecordPool wraps pool.
func newRecordPool(t testing.TB, pool asynqpg.Pool, rec *recorder) recordPool {
	t.Helper()
	return recordPool{Pool: pool, ex: newRecordExecutor(t, pool, rec)}
}

// newRecordQuerier wraps q.
func newRecordQuerier(t testing.TB, q asynqpg.Querier, rec *recorder) recordQuerier {
	t.Helper()
	return recordQuerier{Querier: q, ex: newRecordExecutor(t, q, rec)}
}

// newRecordExecutor records on rec the statements run on the engine
// Executor of handle (a pool or a transaction of any adapter).
func newRecordExecutor(t testing.TB, handle any, rec *recorder) *recordExecutor {
	t.Helper()
	ex, err := driver.Resolve(handle)
	require.NoError(t, err)
	return &recordExecutor{inner: ex, rec: rec}
}

// recordExecutor records the statements it runs on inner.
type recordExecutor struct {
	inner driver.Executor
	rec   *recorder
}

func (e *recordExecutor) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	e.rec.add(sql)
	return e.inner.Exec(ctx, sql, args...)
}

func (e *recordExecutor) Query(ctx context.Context, sql string, args ...any) (driver.Rows, error) {
	e.rec.add(sql)
	return e.inner.Query(ctx, sql, args...)
}

func (e *recordExecutor) QueryRow(ctx context.Context, sql string, args ...any) driver.Row {
	e.rec.add(sql)
	return e.inner.QueryRow(ctx, sql, args...)
}

func (e *recordExecutor) Begin(ctx context.Context) (driver.Tx, error) {
	e.rec.add("BEGIN")
	return beginWrapped(ctx, e.inner, func(tx driver.Executor) driver.Executor {
		return &recordExecutor{inner: tx, rec: e.rec}
	})
}

// namedPool is an adapter's Pool on a test database.
type namedPool struct {
	name string
	pool asynqpg.Pool
}

// adapterPools opens the Pool of every adapter entry on rawURL: pgx, sqlx
// on lib/pq and on pgx's stdlib, and bun on pgx's stdlib.
func adapterPools(t testing.TB, rawURL string) []namedPool {
	t.Helper()
	pool := openPool(t, rawURL, "reliability-adapter")
	openSqlx := func(driverName string) *sqlx.DB {
		db, err := sqlx.Open(driverName, rawURL)
		require.NoError(t, err)
		db.SetMaxOpenConns(3)
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	sqldb, err := sql.Open("pgx", rawURL)
	require.NoError(t, err)
	sqldb.SetMaxOpenConns(3)
	bunDB := bun.NewDB(sqldb, pgdialect.New())
	t.Cleanup(func() { _ = bunDB.Close() })
	return []namedPool{
		{"pgxv5", pgxv5driver.New(pool)},
		{"sqlx/libpq", sqlxdriver.New(openSqlx("postgres"))},
		{"sqlx/pgxstdlib", sqlxdriver.New(openSqlx("pgx"))},
		{"bun", bundriver.New(bunDB)},
	}
}
