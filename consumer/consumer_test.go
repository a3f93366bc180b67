package consumer_test

import "context"
import "os"
import "strings"
import "sync"
import "testing"
import "time"

import "github.com/jackc/pgx/v5/pgxpool"
import "github.com/jmoiron/sqlx"
import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
import "github.com/yakser/asynqpg/internal/testdb"
import "github.com/yakser/asynqpg/internal/testfixture/testconsumer"
import "github.com/yakser/asynqpg/producer"

func TestMain(m *testing.M) {
	// The test binary doubles as the consumer process that
	// TestKilledConsumer kills.
	if url := os.Getenv(helperURLEnv); url != "" {
		runDoomedConsumer(url)
		return
	}
	testdb.MainWithURL(m)
}

// bundle is a test's own database with a pgx pool on it.
type bundle struct {
	url  string
	pool *pgxpool.Pool
}

func setup(t *testing.T) *bundle {
	t.Helper()
	url := testdb.URL(t)
	return &bundle{url: url, pool: testdb.PgxPool(t, url)}
}

// config is a consumer configuration with short intervals.
func (b *bundle) config(pool *pgxpool.Pool) consumer.Config {
	return testconsumer.Config(pgxv5driver.New(pool))
}

// status reads the status of task id.
func (b *bundle) status(t *testing.T, id int64) asynqpg.TaskStatus {
	t.Helper()
	var s string
	require.NoError(t, b.pool.QueryRow(context.Background(),
		`SELECT status FROM asynqpg_tasks WHERE id = $1`, id).Scan(&s))
	return asynqpg.TaskStatus(s)
}

// countStatus counts the tasks of taskType in status.
func (b *bundle) countStatus(t *testing.T, taskType string, status asynqpg.TaskStatus) int {
	t.Helper()
	var n int
	require.NoError(t, b.pool.QueryRow(context.Background(),
		`SELECT count(*) FROM asynqpg_tasks WHERE type = $1 AND status = $2`, taskType, string(status)).Scan(&n))
	return n
}

// enqueueMany enqueues n ready tasks of taskType.
func (b *bundle) enqueueMany(t *testing.T, taskType string, n int) []int64 {
	t.Helper()
	tasks := make([]*asynqpg.Task, n)
	for i := range tasks {
		tasks[i] = asynqpg.NewTask(taskType, []byte{})
	}
	p, err := producer.New(producer.Config{Pool: pgxv5driver.New(b.pool)})
	require.NoError(t, err)
	ids, err := p.EnqueueMany(context.Background(), tasks)
	require.NoError(t, err)
	require.Len(t, ids, n)
	return ids
}

func TestNewConfigErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		cfg  consumer.Config
		want string
	}{
		"nil pool":                     {consumer.Config{}, "database pool is required"},
		"nil pointer pool":             {consumer.Config{Pool: (*sqlx.DB)(nil)}, "database pool is required"},
		"negative FetchInterval":       {consumer.Config{Pool: fakePool{}, FetchInterval: -1}, "FetchInterval"},
		"negative JanitorInterval":     {consumer.Config{Pool: fakePool{}, JanitorInterval: -1}, "JanitorInterval"},
		"negative ShutdownTimeout":     {consumer.Config{Pool: fakePool{}, ShutdownTimeout: -1}, "ShutdownTimeout"},
		"negative StuckThreshold":      {consumer.Config{Pool: fakePool{}, StuckThreshold: -1}, "StuckThreshold"},
		"negative CancelCheckInterval": {consumer.Config{Pool: fakePool{}, CancelCheckInterval: -1}, "CancelCheckInterval"},
		"negative DefaultTimeout":      {consumer.Config{Pool: fakePool{}, DefaultTimeout: -1}, "DefaultTimeout"},
		"negative CompletedRetention":  {consumer.Config{Pool: fakePool{}, CompletedRetention: -1}, "CompletedRetention"},
		"negative FailedRetention":     {consumer.Config{Pool: fakePool{}, FailedRetention: -1}, "FailedRetention"},
		"negative CancelledRetention":  {consumer.Config{Pool: fakePool{}, CancelledRetention: -1}, "CancelledRetention"},
		"negative DefaultWorkersCount": {consumer.Config{Pool: fakePool{}, DefaultWorkersCount: -1}, "DefaultWorkersCount"},
		"negative DefaultMaxAttempts":  {consumer.Config{Pool: fakePool{}, DefaultMaxAttempts: -1}, "DefaultMaxAttempts"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, err := consumer.New(tt.cfg)
			require.ErrorContains(t, err, tt.want)
			require.Nil(t, c)
		})
	}
}

func TestRegisterTaskHandlerErrors(t *testing.T) {
	t.Parallel()
	ok := consumer.TaskHandlerFunc(func(context.Context, *asynqpg.TaskInfo) error { return nil })
	var nilFunc consumer.TaskHandlerFunc
	tests := []struct {
		name     string
		taskType string
		handler  consumer.TaskHandler
		opts     []consumer.TaskTypeOption
		want     string
	}{
		{"empty type", "", ok, nil, "task type cannot be empty"},
		{"type with a NUL byte", "a\x00b", ok, nil, "is not valid UTF-8 text without NUL bytes"},
		{"type not UTF-8", "a\xffb", ok, nil, "is not valid UTF-8 text without NUL bytes"},
		{"type too long", strings.Repeat("t", producer.MaxTypeLength+1), ok, nil, "exceeds MaxTypeLength"},
		{"nil handler", "t", nil, nil, "nil handler"},
		{"nil handler func", "t", nilFunc, nil, "nil handler"},
		{"zero workers", "t", ok, []consumer.TaskTypeOption{consumer.WithWorkersCount(0)}, "workers count is 0"},
		{"negative timeout", "t", ok, []consumer.TaskTypeOption{consumer.WithTimeout(-time.Second)}, "timeout is -1s"},
		{"zero max attempts", "t", ok, []consumer.TaskTypeOption{consumer.WithMaxAttempts(0)}, "max attempts is 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := consumer.New(consumer.Config{Pool: fakePool{}, DisableMaintenance: true})
			require.NoError(t, err)
			require.ErrorContains(t, c.RegisterTaskHandler(tt.taskType, tt.handler, tt.opts...), tt.want)
		})
	}

	t.Run("twice", func(t *testing.T) {
		t.Parallel()
		c, err := consumer.New(consumer.Config{Pool: fakePool{}, DisableMaintenance: true})
		require.NoError(t, err)
		require.NoError(t, c.RegisterTaskHandler("t", ok, nil, consumer.WithMaxAttempts(2)))
		require.Equal(t, consumer.ErrTaskHandlerAlreadyRegistered, c.RegisterTaskHandler("t", ok), "the sentinel itself")
	})
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ok := consumer.TaskHandlerFunc(func(context.Context, *asynqpg.TaskInfo) error { return nil })
	cfg := b.config(b.pool)
	cfg.DisableMaintenance = false // with leader election and maintenance
	c, err := consumer.New(cfg)
	require.NoError(t, err)
	require.NoError(t, c.Stop(), "Stop before Start does nothing")
	require.ErrorContains(t, c.Start(), "no task handlers registered")
	require.NoError(t, c.RegisterTaskHandler("t", ok))
	require.NoError(t, c.Start())
	require.EqualError(t, c.Start(), "consumer is already started")
	require.EqualError(t, c.RegisterTaskHandler("u", ok), "cannot register handler after consumer is started")
	require.EqualError(t, c.Use(func(h consumer.TaskHandler) consumer.TaskHandler { return h }),
		"cannot add middleware after consumer is started")

	ids := b.enqueueMany(t, "t", 3)
	require.Eventually(t, func() bool { return b.countStatus(t, "t", asynqpg.TaskStatusCompleted) == len(ids) },
		20*time.Second, 20*time.Millisecond)

	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() { errs[i] = c.Stop() })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}

	// A stopped consumer starts again, with a handler registered since.
	require.NoError(t, c.RegisterTaskHandler("u", ok))
	require.NoError(t, c.Start())
	more := append(b.enqueueMany(t, "t", 2), b.enqueueMany(t, "u", 2)...)
	require.Eventually(t, func() bool {
		return b.countStatus(t, "t", asynqpg.TaskStatusCompleted)+b.countStatus(t, "u", asynqpg.TaskStatusCompleted) ==
			len(ids)+len(more)
	}, 20*time.Second, 20*time.Millisecond)
	require.NoError(t, c.Stop())
}

// fakePool is an asynqpg.Pool that is never used: configuration errors
// come before any statement.
type fakePool struct{ asynqpg.Pool }
