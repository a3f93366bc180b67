package conformance

import "context"
import "sync"
import "sync/atomic"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/engine"
import "github.com/yakser/asynqpg/internal/testfixture"
import "github.com/yakser/asynqpg/producer"

// The concurrency chapter proves that a global concurrency limit holds
// across consumers on one database: under contention the tasks of a
// limited type running at once, sampled in the database, never outnumber
// the limit, and all of them finish; a task left running by a dead
// consumer holds its slot until its lease passes. The limited claim runs
// through the entry's Executor, in a transaction of its own or in a
// savepoint of the caller's; transaction entries run that part only.

// runConcurrencyChapter runs the concurrency chapter against d.
func runConcurrencyChapter(t *testing.T, d Driver) {
	runSections(t, d, []section{
		{"LimitedClaim", testConcurrencyLimitedClaim},
	}, []section{
		{"Contention", testConcurrencyContention},
		{"DeadConsumer", testConcurrencyDeadConsumer},
	})
}

// insertLeased inserts a task of typ left running by a consumer, whose
// lease passes after lease (in the past for a negative one), and returns
// its ID and the end of its lease.
func insertLeased(t *testing.T, b *Bundle, typ string, lease time.Duration) (int64, time.Time) {
	t.Helper()
	var (
		id  int64
		end time.Time
	)
	require.NoError(t, b.Check.QueryRowContext(context.Background(), `
		INSERT INTO asynqpg_tasks (type, payload, status, attempts_left, attempted_at, blocked_till)
		VALUES ($1, '\x', 'running', 3, now(), now() + $2::bigint * interval '1 microsecond')
		RETURNING id, blocked_till`, typ, lease.Microseconds()).Scan(&id, &end))
	return id, end
}

// testConcurrencyLimitedClaim claims through the entry's Executor (the
// Pool, or a transaction of a transaction entry) with a limit of 3 while
// one task runs with its lease and one whose lease passed: two are
// claimed, one of them the expired task, and a further claim takes none.
func testConcurrencyLimitedClaim(t *testing.T, d Driver) {
	t.Parallel()
	b := setupAPI(t, d, producer.Config{})
	insertLeased(t, b.Bundle, "capped", time.Minute)
	expired, _ := insertLeased(t, b.Bundle, "capped", -time.Second)
	for range 4 {
		b.mustEnqueue(t, "capped")
	}
	ex, commit := entryExecutor(t, b)
	ctx := opContext(t)
	claimed, written, err := engine.RecordAndClaimLimited(ctx, ex, "capped", nil, 10, time.Minute, 3)
	require.NoError(t, err)
	require.Empty(t, written)
	require.Len(t, claimed, 2, "3 slots, 1 taken by a live lease")
	ids := []int64{claimed[0].Task.ID, claimed[1].Task.ID}
	claimed0 := claimed[0].Attempt
	require.Contains(t, ids, expired, "a passed lease frees its slot, and its task is ready")
	claimed, _, err = engine.RecordAndClaimLimited(ctx, ex, "capped", nil, 10, time.Minute, 3)
	require.NoError(t, err)
	require.Empty(t, claimed, "every slot taken")

	// An outcome frees a slot in the same claim.
	done := []engine.OutcomeRecord{{Attempt: claimed0}}
	done[0].Status = "completed"
	claimed, written, err = engine.RecordAndClaimLimited(ctx, ex, "capped", done, 10, time.Minute, 3)
	require.NoError(t, err)
	require.Len(t, written, 1)
	require.Len(t, claimed, 1, "the slot the outcome freed")
	_, _, err = engine.RecordAndClaimLimited(ctx, ex, "capped", nil, 10, time.Minute, 0)
	require.ErrorContains(t, err, "global concurrency must be positive (got 0)")
	commit()
	require.Equal(t, 3, testfixture.CountStatus(t, b.Check, "capped", asynqpg.TaskStatusRunning),
		"the live lease, and the two claimed last")
}

// testConcurrencyContention runs 3 consumers of 10 workers each on a type
// limited to 4: the running tasks, sampled in the database every few
// milliseconds and counted in the handlers, never exceed 4, and all the
// tasks finish.
func testConcurrencyContention(t *testing.T, d Driver) {
	t.Parallel()
	const (
		limit = 4
		tasks = 60
	)
	b := setupConsumer(t, d)
	var running, most atomic.Int64
	h := func(context.Context, *asynqpg.TaskInfo) error {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond) // a busy handler
		return nil
	}
	for i := range 3 {
		cfg := b.config()
		if i == 2 {
			cfg.Pool = b.pollOnly(t)
		}
		b.start(t, cfg, func(c *consumer.Consumer) {
			handle(t, c, "capped", h, consumer.WithWorkersCount(10), consumer.WithGlobalConcurrency(limit))
		})
	}
	sampled := sampleRunning(t, b.Bundle, "capped")
	for range tasks {
		b.enqueueTask(t, asynqpg.NewTask("capped", []byte{}))
	}
	require.Eventually(t, func() bool {
		return b.countStatus(t, "capped", asynqpg.TaskStatusCompleted) == tasks
	}, consumerWait, consumerTick, "every task finishes")
	peak := sampled()
	require.LessOrEqual(t, peak, limit, "running tasks in the database")
	require.LessOrEqual(t, most.Load(), int64(limit), "handlers running at once")
	require.Greater(t, most.Load(), int64(1), "the limit is not a lock of one")
}

// testConcurrencyDeadConsumer leaves 2 tasks running, as a consumer killed
// mid-task does, on a type limited to 2: a live consumer claims nothing
// until their leases pass, then runs them all, never more than 2 at once.
func testConcurrencyDeadConsumer(t *testing.T, d Driver) {
	t.Parallel()
	const lease = 2 * time.Second
	b := setupConsumer(t, d)
	dead1, _ := insertLeased(t, b.Bundle, "capped", lease)
	dead2, end := insertLeased(t, b.Bundle, "capped", lease)
	freed := time.Now().Add(end.Sub(b.dbNow(t))) // the end of the leases on this clock
	pending := []int64{
		b.enqueueTask(t, asynqpg.NewTask("capped", []byte{})),
		b.enqueueTask(t, asynqpg.NewTask("capped", []byte{})),
	}
	var (
		mu    sync.Mutex
		first time.Time
	)
	b.start(t, b.config(), func(c *consumer.Consumer) {
		handle(t, c, "capped", func(context.Context, *asynqpg.TaskInfo) error {
			mu.Lock()
			if first.IsZero() {
				first = time.Now()
			}
			mu.Unlock()
			return nil
		}, consumer.WithWorkersCount(5), consumer.WithGlobalConcurrency(2))
	})
	sampled := sampleRunning(t, b.Bundle, "capped")
	for _, id := range append(pending, dead1, dead2) {
		b.waitStatus(t, id, asynqpg.TaskStatusCompleted)
	}
	mu.Lock()
	defer mu.Unlock()
	require.False(t, first.Before(freed.Add(-100*time.Millisecond)),
		"a task ran %v before the dead consumer's leases passed", freed.Sub(first))
	require.LessOrEqual(t, sampled(), 2, "running tasks in the database")
}

// sampleRunning counts the running tasks of typ in the database every
// few milliseconds until the returned function is called, which returns
// the most counted.
func sampleRunning(t *testing.T, b *Bundle, typ string) func() int {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var (
		wg   sync.WaitGroup
		peak int
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(3 * time.Millisecond)
		defer tick.Stop()
		for {
			var n int
			err := b.Check.QueryRowContext(ctx, `SELECT count(*) FROM asynqpg_tasks
				WHERE type = $1 AND status = 'running' AND blocked_till > now()`, typ).Scan(&n)
			if err == nil {
				peak = max(peak, n)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	stop := sync.OnceValue(func() int {
		cancel()
		wg.Wait()
		return peak
	})
	t.Cleanup(func() { stop() })
	return stop
}

// entryExecutor returns the executor of b's entry: a transaction begun
// through the adapter for a transaction entry, then commit commits it
// (a no-op for the others).
func entryExecutor(t *testing.T, b *apiBundle) (ex driver.Executor, commit func()) {
	t.Helper()
	if !b.Driver.TxEntry {
		return b.Executor(t), func() {}
	}
	tx := b.Begin(t)
	ex, err := driver.Resolve(tx.Querier)
	require.NoError(t, err)
	return ex, func() { require.NoError(t, tx.Commit(context.Background())) }
}
