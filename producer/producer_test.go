package producer_test

import "context"
import "database/sql"
import "fmt"
import "testing"
import "time"

import "github.com/jmoiron/sqlx"
import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/testdb"
import "github.com/yakser/asynqpg/internal/testfixture"
import "github.com/yakser/asynqpg/producer"

func TestMain(m *testing.M) { testdb.MainWithURL(m) }

// bundle is a test's own database, a Producer on it whose statements are
// counted, and a direct handle for checks.
type bundle struct {
	db       *sqlx.DB
	pool     *countingPool
	producer *producer.Producer
}

func setup(t *testing.T, cfg producer.Config) *bundle {
	t.Helper()
	std := testdb.Open(t)
	std.SetMaxOpenConns(8) // tests run in parallel on one server
	db := sqlx.NewDb(std, "pgx")
	pool := &countingPool{DB: db, ex: testfixture.NewCountingExecutor(driver.NewStdExecutor(db))}
	cfg.Pool = pool
	p, err := producer.New(cfg)
	require.NoError(t, err)
	return &bundle{db: db, pool: pool, producer: p}
}

// row is the stored state of a task that the producer decides.
type row struct {
	Type             string
	Payload          []byte
	IdempotencyToken *string
	AttemptsLeft     int
	// Ready is blocked_till minus created_at (now() of the insert).
	Ready time.Duration
	// BlockedTill is the stored blocked_till.
	BlockedTill time.Time
}

func (b *bundle) get(t *testing.T, id int64) row {
	t.Helper()
	var (
		r     row
		micro int64
	)
	require.NoError(t, b.db.QueryRowContext(context.Background(), `
		SELECT type, payload, idempotency_token, attempts_left,
			(extract(epoch FROM blocked_till - created_at) * 1000000)::bigint, blocked_till
		FROM asynqpg_tasks WHERE id = $1`, id).
		Scan(&r.Type, &r.Payload, &r.IdempotencyToken, &r.AttemptsLeft, &micro, &r.BlockedTill))
	r.Ready = time.Duration(micro) * time.Microsecond
	r.BlockedTill = r.BlockedTill.UTC()
	return r
}

// count counts every committed task.
func (b *bundle) count(t *testing.T) int {
	t.Helper()
	return testfixture.CountRows(t, b.db, "asynqpg_tasks")
}

// countingPool is an asynqpg.Pool whose engine statements are counted.
type countingPool struct {
	*sqlx.DB
	ex *testfixture.CountingExecutor
}

func (p *countingPool) Executor() driver.Executor { return p.ex }

func TestNew(t *testing.T) {
	t.Parallel()
	unused, err := sql.Open("pgx", "postgres://127.0.0.1:1/never") // opened lazily: never connected
	require.NoError(t, err)
	db := sqlx.NewDb(unused, "pgx")
	tests := []struct {
		name    string
		cfg     producer.Config
		wantErr string
	}{
		{name: "nil pool", cfg: producer.Config{}, wantErr: "database pool is required"},
		{name: "nil pointer pool", cfg: producer.Config{Pool: (*sqlx.DB)(nil)}, wantErr: "database pool is required"},
		{name: "negative default max retry", cfg: producer.Config{Pool: db, DefaultMaxRetry: -1},
			wantErr: "producer: Config.DefaultMaxRetry is -1: must not be negative"},
		{name: "ok", cfg: producer.Config{Pool: db}},
		{name: "ok with default max retry", cfg: producer.Config{Pool: db, DefaultMaxRetry: 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := producer.New(tt.cfg)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				require.Nil(t, p)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, p)
		})
	}
}

func TestEnqueueStoresFields(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, producer.Config{})
	b7 := setup(t, producer.Config{DefaultMaxRetry: 7})
	at := time.Date(2035, 3, 4, 5, 6, 7, 891234567, time.UTC)

	tests := []struct {
		name         string
		b            *bundle
		task         *asynqpg.Task
		opts         []producer.EnqueueOption
		wantAttempts int
		wantReady    time.Duration
		wantAt       time.Time
	}{
		{name: "defaults", b: b, task: asynqpg.NewTask("f:a", []byte("x")), wantAttempts: 3},
		{name: "config default", b: b7, task: asynqpg.NewTask("f:a", []byte("x")), wantAttempts: 7},
		{name: "max retry", b: b7, task: asynqpg.NewTask("f:a", []byte("x"), asynqpg.WithMaxRetry(5)), wantAttempts: 5},
		{name: "max retry one", b: b, task: asynqpg.NewTask("f:a", []byte("x"), asynqpg.WithMaxRetry(1)), wantAttempts: 1},
		{name: "delay", b: b, task: asynqpg.NewTask("f:a", []byte{}, asynqpg.WithDelay(90*time.Second)),
			wantAttempts: 3, wantReady: 90 * time.Second},
		{name: "delay below a microsecond is truncated", b: b,
			task: asynqpg.NewTask("f:a", []byte{}, asynqpg.WithDelay(1500*time.Nanosecond)), wantAttempts: 3, wantReady: time.Microsecond},
		{name: "process at", b: b, task: &asynqpg.Task{Type: "f:a", Payload: []byte{}, ProcessAt: at},
			wantAttempts: 3, wantAt: at.Truncate(time.Microsecond)},
		{name: "process at wins", b: b, task: &asynqpg.Task{Type: "f:a", Payload: []byte{}, ProcessAt: at, Delay: time.Hour},
			wantAttempts: 3, wantAt: at.Truncate(time.Microsecond)},
		{name: "option delay", b: b, task: asynqpg.NewTask("f:a", []byte{}, asynqpg.WithDelay(time.Hour)),
			opts: []producer.EnqueueOption{producer.WithDelay(time.Minute)}, wantAttempts: 3, wantReady: time.Minute},
		{name: "option process at", b: b, task: asynqpg.NewTask("f:a", []byte{}),
			opts: []producer.EnqueueOption{producer.WithProcessAt(at)}, wantAttempts: 3, wantAt: at.Truncate(time.Microsecond)},
		{name: "option clears process at", b: b, task: &asynqpg.Task{Type: "f:a", Payload: []byte{}, ProcessAt: at, Delay: time.Hour},
			opts: []producer.EnqueueOption{producer.WithProcessAt(time.Time{})}, wantAttempts: 3, wantReady: time.Hour},
		{name: "option max retry", b: b, task: asynqpg.NewTask("f:a", []byte{}, asynqpg.WithMaxRetry(9)),
			opts: []producer.EnqueueOption{nil, producer.WithMaxRetry(1)}, wantAttempts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			orig := *tt.task
			id, err := tt.b.producer.Enqueue(ctx, tt.task, tt.opts...)
			require.NoError(t, err)
			require.Equal(t, orig, *tt.task, "the task was modified")
			got := tt.b.get(t, id)
			require.Equal(t, tt.task.Type, got.Type)
			require.Equal(t, tt.task.Payload, got.Payload)
			require.Equal(t, tt.wantAttempts, got.AttemptsLeft)
			if !tt.wantAt.IsZero() {
				require.True(t, tt.wantAt.Equal(got.BlockedTill), "blocked_till %s, want %s", got.BlockedTill, tt.wantAt)
			} else {
				require.Equal(t, tt.wantReady, got.Ready)
			}
		})
	}
}

func TestEnqueueDuplicate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, producer.Config{})
	id, err := b.producer.Enqueue(ctx, asynqpg.NewTask("dup", []byte("1"), asynqpg.WithIdempotencyToken("k")))
	require.NoError(t, err)

	again, err := b.producer.Enqueue(ctx, asynqpg.NewTask("dup", []byte("2"), asynqpg.WithIdempotencyToken("k")))
	require.ErrorIs(t, err, producer.ErrDuplicateTask)
	require.Equal(t, id, again)
	require.Equal(t, []byte("1"), b.get(t, id).Payload)

	// The token from an option counts the same.
	again, err = b.producer.Enqueue(ctx, asynqpg.NewTask("dup", []byte("3")), producer.WithIdempotencyToken("k"))
	require.ErrorIs(t, err, producer.ErrDuplicateTask)
	require.Equal(t, id, again)
	require.Equal(t, 1, b.count(t))
}

func TestEnqueueMany(t *testing.T) {
	t.Parallel()
	b := setup(t, producer.Config{})
	ctx := context.Background()
	old, err := b.producer.Enqueue(ctx, asynqpg.NewTask("many", []byte("old"), asynqpg.WithIdempotencyToken("old")))
	require.NoError(t, err)

	ids, err := b.producer.EnqueueMany(ctx, []*asynqpg.Task{
		asynqpg.NewTask("many", []byte("a")),
		asynqpg.NewTask("many", []byte("b"), asynqpg.WithIdempotencyToken("x")),
		asynqpg.NewTask("many", []byte("c"), asynqpg.WithIdempotencyToken("old")),
		asynqpg.NewTask("many", []byte("d"), asynqpg.WithIdempotencyToken("x")),
		asynqpg.NewTask("many", []byte("e"), asynqpg.WithMaxRetry(8), asynqpg.WithDelay(time.Minute)),
	})
	require.NoError(t, err)
	require.Len(t, ids, 3)
	require.Less(t, ids[0], ids[1])
	require.Less(t, ids[1], ids[2])
	require.NotContains(t, ids, old)
	require.Equal(t, []byte("a"), b.get(t, ids[0]).Payload)
	require.Equal(t, []byte("b"), b.get(t, ids[1]).Payload, "the first of the batch's duplicates wins")
	last := b.get(t, ids[2])
	require.Equal(t, 8, last.AttemptsLeft)
	require.Equal(t, time.Minute, last.Ready)
	require.Equal(t, 4, b.count(t))

	ids, err = b.producer.EnqueueMany(ctx, nil)
	require.NoError(t, err)
	require.Empty(t, ids)
}

// TestEnqueueManyStatements proves that a batch is one statement up to
// 10,000 tasks, and several statements in one transaction beyond.
func TestEnqueueManyStatements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		n              int
		wantStatements int64
		wantBegins     int64
	}{
		{n: 10000, wantStatements: 1},
		{n: 25000, wantStatements: 3, wantBegins: 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.n), func(t *testing.T) {
			t.Parallel()
			b := setup(t, producer.Config{})
			tasks := make([]*asynqpg.Task, tt.n)
			for i := range tasks {
				tasks[i] = asynqpg.NewTask("bulk", []byte{byte(i)})
			}
			ids, err := b.producer.EnqueueMany(ctx, tasks)
			require.NoError(t, err)
			require.Len(t, ids, tt.n)
			require.Equal(t, tt.wantStatements, b.pool.ex.Counts.Statements.Load())
			require.Equal(t, tt.wantBegins, b.pool.ex.Counts.Begins.Load())
			require.Equal(t, tt.n, b.count(t))
		})
	}
}

func TestEnqueueTx(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, producer.Config{})
	for _, commit := range []bool{true, false} {
		tx, err := b.db.BeginTxx(ctx, nil)
		require.NoError(t, err)
		id, err := b.producer.EnqueueTx(ctx, tx, asynqpg.NewTask("tx", []byte{}))
		require.NoError(t, err)
		ids, err := b.producer.EnqueueManyTx(ctx, tx, []*asynqpg.Task{asynqpg.NewTask("tx", []byte{}), asynqpg.NewTask("tx", []byte{})})
		require.NoError(t, err)
		require.Len(t, ids, 2)
		require.Zero(t, b.count(t), "visible before commit")
		if commit {
			require.NoError(t, tx.Commit())
			require.Equal(t, 3, b.count(t))
			require.Equal(t, "tx", b.get(t, id).Type)
			_, err = b.db.ExecContext(ctx, `DELETE FROM asynqpg_tasks`)
			require.NoError(t, err)
		} else {
			require.NoError(t, tx.Rollback())
			require.Zero(t, b.count(t))
		}
	}

	// A nil transaction is refused before the task is looked at.
	_, err := b.producer.EnqueueTx(ctx, nil, nil)
	require.EqualError(t, err, "executor cannot be nil")
	_, err = b.producer.EnqueueManyTx(ctx, (*sqlx.Tx)(nil), []*asynqpg.Task{nil})
	require.EqualError(t, err, "executor cannot be nil")
}
