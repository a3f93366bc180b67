package conformance

import "context"
import "database/sql"
import "errors"
import "testing"

import "github.com/jackc/pgx/v5"
import "github.com/jackc/pgx/v5/pgxpool"
import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
import "github.com/yakser/asynqpg/producer"

// RunEntries runs run (usually [Run] or [RunDriverChapter]) for every
// entry, each in its own parallel subtest named after the entry.
func RunEntries(t *testing.T, entries []Driver, run func(t *testing.T, d Driver)) {
	t.Helper()
	for _, d := range entries {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			run(t, d)
		})
	}
}

// Refusal is a handle a driver adapter must refuse, see [RequireRefused].
type Refusal struct {
	// Name names the case in test output.
	Name string
	// Handle is the value refused.
	Handle any
	// ErrText is a text the error must contain.
	ErrText string
}

// RequireRefusals checks every case with [RequireRefused], each in its
// own parallel subtest, with a producer on pool.
func RequireRefusals(t *testing.T, pool asynqpg.Pool, cases []Refusal) {
	t.Helper()
	p, err := producer.New(producer.Config{Pool: pool})
	require.NoError(t, err)
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			RequireRefused(t, p, tc.Handle, tc.ErrText)
		})
	}
}

// RequireListens checks that pool resolves to an Executor that gives the
// engine a LISTEN connection.
func RequireListens(t testing.TB, pool asynqpg.Pool) {
	t.Helper()
	ex, err := driver.Resolve(pool)
	require.NoError(t, err)
	_, ok := ex.(driver.ListenerFactory)
	require.True(t, ok, "pool executor %T cannot listen", ex)
}

// RequireQueries checks that q resolves to an Executor that runs a
// statement and scans its result.
func RequireQueries(t testing.TB, q asynqpg.Querier) {
	t.Helper()
	ex, err := driver.Resolve(q)
	require.NoError(t, err)
	var one int64
	require.NoError(t, ex.QueryRow(context.Background(), "SELECT 1").Scan(&one))
	require.Equal(t, int64(1), one)
}

// RollbackOnce turns rollback into what [Tx.Rollback] must be: the error
// done, which the library returns for a transaction already committed or
// rolled back, becomes nil.
func RollbackOnce(rollback func(ctx context.Context) error, done error) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		if err := rollback(ctx); !errors.Is(err, done) {
			return err
		}
		return nil
	}
}

// StdTx is the Tx of a transaction of database/sql's shape (a *sql.Tx, a
// *sqlx.Tx, a bun.Tx), whose statements run through q.
func StdTx(q asynqpg.Querier, tx interface {
	Commit() error
	Rollback() error
}) Tx {
	return Tx{
		Querier:  q,
		Commit:   func(context.Context) error { return tx.Commit() },
		Rollback: RollbackOnce(func(context.Context) error { return tx.Rollback() }, sql.ErrTxDone),
	}
}

// OpenPgx opens the pgx adapter on a pool on url whose statements run in
// mode (PgBouncer in transaction mode needs the simple protocol or
// QueryExecModeExec); the pool is closed when the test ends.
func OpenPgx(t testing.TB, url string, mode pgx.QueryExecMode) asynqpg.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	require.NoError(t, err)
	cfg.ConnConfig.DefaultQueryExecMode = mode
	return OpenPgxConfig(t, cfg)
}

// OpenPgxConfig is OpenPgx for a pool configuration of the caller's.
func OpenPgxConfig(t testing.TB, cfg *pgxpool.Config) asynqpg.Pool {
	t.Helper()
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pgxv5driver.New(pool)
}

// BeginPgx is the Begin of an entry whose Pool is the pgx adapter's: a
// pgx transaction on its pool, through pgxv5driver.NewTx.
func BeginPgx(t testing.TB, pool asynqpg.Pool) Tx {
	t.Helper()
	p, ok := pool.(*pgxv5driver.Pool)
	require.True(t, ok, "unexpected pool %T", pool)
	tx, err := p.PgxPool().Begin(context.Background())
	require.NoError(t, err)
	return Tx{
		Querier: pgxv5driver.NewTx(tx),
		Commit:  tx.Commit,
		// pgx's Rollback after Commit reports the closed transaction;
		// the contract wants a no-op.
		Rollback: RollbackOnce(tx.Rollback, pgx.ErrTxClosed),
	}
}
