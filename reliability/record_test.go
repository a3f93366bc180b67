package reliability

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/driver"
	bundriver "github.com/yakser/asynqpg/driver/bun"
	pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
	sqlxdriver "github.com/yakser/asynqpg/driver/sqlx"
)

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

// Executor implements driver.ExecutorSource.
func (p recordPool) Executor() driver.Executor { return p.ex }

// newRecordPool wraps pool.
func newRecordPool(t testing.TB, pool asynqpg.Pool, rec *recorder) recordPool {
	t.Helper()
	ex, err := driver.Resolve(pool)
	require.NoError(t, err)
	return recordPool{Pool: pool, ex: &recordExecutor{inner: ex, rec: rec}}
}

// recordQuerier is an asynqpg.Querier (a transaction) whose engine
// Executor records statements.
type recordQuerier struct {
	asynqpg.Querier
	ex *recordExecutor
}

// Executor implements driver.ExecutorSource.
func (q recordQuerier) Executor() driver.Executor { return q.ex }

// newRecordQuerier wraps q.
func newRecordQuerier(t testing.TB, q asynqpg.Querier, rec *recorder) recordQuerier {
	t.Helper()
	ex, err := driver.Resolve(q)
	require.NoError(t, err)
	return recordQuerier{Querier: q, ex: &recordExecutor{inner: ex, rec: rec}}
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
	tx, err := e.inner.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &recordTx{recordExecutor: recordExecutor{inner: tx, rec: e.rec}, tx: tx}, nil
}

type recordTx struct {
	recordExecutor
	tx driver.Tx
}

func (t *recordTx) Commit(ctx context.Context) error   { return t.tx.Commit(ctx) }
func (t *recordTx) Rollback(ctx context.Context) error { return t.tx.Rollback(ctx) }

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
