package reliability

import "context"
import "errors"
import "fmt"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"

// TestStaleWorker is scenario 3: a handler outlives its lease; another
// consumer claims the task again and records its own outcome; then the
// stale handler returns.
// Pass: the stale attempt's complete, fail or snooze changes 0 rows (the
// task row is identical before and after, and the write audit shows no
// change by the stale consumer), and the live attempt's outcome stands.
func TestStaleWorker(t *testing.T) {
	t.Parallel()
	var (
		complete  = func() error { return nil }
		fail      = func() error { return errors.New("stale failure") }
		skipRetry = func() error { return fmt.Errorf("give up: %w", asynqpg.ErrSkipRetry) }
		snooze    = func() error { return asynqpg.TaskSnooze(time.Hour) }
	)
	tests := []struct {
		name string
		// stale is what the stale handler returns.
		stale func() error
		// live is what the live handler returns; nil: it is still
		// running when the stale handler returns.
		live func() error
		// status is the task's status after the live outcome.
		status asynqpg.TaskStatus
		// timeout, when set, is the stale consumer's handler timeout,
		// and the lease passes by itself; otherwise the lease is made to
		// pass at once.
		timeout time.Duration
	}{
		{name: "stale complete after live fail", stale: complete, live: skipRetry, status: asynqpg.TaskStatusFailed},
		{name: "stale fail after live complete", stale: fail, live: complete, status: asynqpg.TaskStatusCompleted},
		{name: "stale skip-retry after live complete", stale: skipRetry, live: complete, status: asynqpg.TaskStatusCompleted},
		{name: "stale snooze after live complete", stale: snooze, live: complete, status: asynqpg.TaskStatusCompleted},
		{name: "stale complete after live snooze", stale: complete, live: snooze, status: asynqpg.TaskStatusPending},
		{name: "stale complete while live runs", stale: complete, live: nil, status: asynqpg.TaskStatusRunning},
		{name: "handler ignores its timeout past the lease", stale: complete, live: complete,
			status: asynqpg.TaskStatusCompleted, timeout: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testStaleWorker(t, tt.stale, tt.live, tt.status, tt.timeout)
		})
	}
}

func testStaleWorker(t *testing.T, stale, live func() error, status asynqpg.TaskStatus, timeout time.Duration) {
	const taskType = "stale"
	began := time.Now()
	useConnections(t, 3*4)
	b := setup(t)
	b.exec(t, claimsAudit)
	b.exec(t, writesAudit)
	ctx := context.Background()
	ids := b.enqueue(t, taskType, 1, 5)
	id := ids[0]

	staleLog := newLogRecorder()
	staleStarted := make(chan struct{}, 1)
	releaseStale := make(chan struct{})
	staleTimeout := time.Minute
	if timeout > 0 {
		staleTimeout = timeout
	}
	// The stale consumer never polls for lost attempts, so that its
	// outcome reaches the database and the guard there is what stops it.
	staleCons := startInProcess(t, b, "stale", staleLog, staleTimeout, time.Hour,
		func(ctx context.Context, task *asynqpg.TaskInfo, ledger func() error) error {
			require.NoError(t, ledger())
			staleStarted <- struct{}{}
			<-releaseStale // ignores ctx: it outlives its timeout and lease
			return stale()
		})
	<-staleStarted
	// Once the stale consumer listens, it has made its one check of its
	// attempts (notifications sent before were lost): let the lease pass
	// only then, or that check could find the attempt lost and discard
	// its outcome before it reaches the database.
	require.Eventually(t, func() bool {
		return staleLog.count("listening for new and cancelled tasks", 0) > 0
	}, waitLong, tick, "the stale consumer never listened")
	if timeout == 0 {
		b.exec(t, `UPDATE asynqpg_tasks SET blocked_till = now() - interval '1 second' WHERE id = $1`, id)
	}

	liveStarted := make(chan struct{}, 1)
	releaseLive := make(chan struct{})
	liveLog := newLogRecorder()
	startInProcess(t, b, "live", liveLog, time.Minute, 100*time.Millisecond,
		func(ctx context.Context, task *asynqpg.TaskInfo, ledger func() error) error {
			require.NoError(t, ledger())
			liveStarted <- struct{}{}
			if live == nil {
				<-releaseLive
				return nil
			}
			return live()
		})
	select {
	case <-liveStarted:
	case <-time.After(waitLong):
		t.Fatal("the live consumer never claimed the task whose lease passed")
	}
	require.Eventually(t, func() bool { return b.status(t, id) == status }, waitLong, tick,
		"the live attempt's outcome was not recorded")
	before := b.row(t, id)
	seq := b.scalar(t, `SELECT coalesce(max(seq), 0) FROM reliability_writes`)

	// Now the stale handler returns, and its outcome is written.
	close(releaseStale)
	require.Eventually(t, func() bool {
		return staleLog.count("outcome not recorded", id) > 0
	}, waitLong, tick, "the stale outcome was never written; logs:\n%s", staleLog.dump())
	require.NoError(t, staleCons.Consumer.Stop())

	after := b.row(t, id)
	changed := b.scalar(t, `SELECT count(*) FROM reliability_writes WHERE seq > $1`, seq)
	require.Equal(t, before, after, "the stale outcome changed the task")
	require.Zero(t, changed, "rows changed after the live outcome")
	if live == nil {
		close(releaseLive)
		require.Eventually(t, func() bool { return b.status(t, id) == asynqpg.TaskStatusCompleted }, waitLong, tick)
	}
	var claimedBy string
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT claimed_by FROM asynqpg_tasks WHERE id = $1`, id).Scan(&claimedBy))
	require.Equal(t, "live", claimedBy, "the live attempt owns the task")
	c := b.counts(t, taskType)
	// Here a lost task is one whose live outcome did not stand; the
	// checks above found it in place.
	c.Lost = 0
	report(t, result{
		Scenario: 3, Name: "handler outlives its lease: " + t.Name(), Counts: c, Bound: 1, Elapsed: time.Since(began),
		Notes: fmt.Sprintf("stale_rows_changed=%d final_status=%s", changed, after.Status),
	})
	require.Zero(t, c.Duplicates)
	require.Equal(t, int64(2), c.Executions, "the stale and the live attempt each ran once")
}

// handlerFunc is the body of an in-process test handler; ledger records
// the execution.
type handlerFunc func(ctx context.Context, task *asynqpg.TaskInfo, ledger func() error) error

// startInProcess starts a consumer in this process on b's database, named
// name (its application_name), handling the type "stale" with h; it is
// stopped when the test ends.
func startInProcess(t *testing.T, b *bundle, name string, rec *logRecorder, timeout, cancelCheck time.Duration, h handlerFunc) *runningConsumer {
	t.Helper()
	pool := openPool(t, b.url, name)
	c, err := consumer.New(consumer.Config{
		Pool:                pgxv5driver.New(pool),
		Logger:              rec.Logger(),
		ClientID:            name,
		FetchInterval:       50 * time.Millisecond,
		CancelCheckInterval: cancelCheck,
		ShutdownTimeout:     5 * time.Second,
		DisableMaintenance:  true,
	})
	require.NoError(t, err)
	require.NoError(t, c.RegisterTaskHandler("stale", consumer.TaskHandlerFunc(
		func(ctx context.Context, task *asynqpg.TaskInfo) error {
			return h(ctx, task, func() error { return recordExecution(ctx, b.pool, name, task) })
		}), consumer.WithTimeout(timeout), consumer.WithWorkersCount(1)))
	require.NoError(t, c.Start())
	t.Cleanup(func() { _ = c.Stop() })
	return &runningConsumer{Consumer: c, Pool: pool, Ledger: b.pool}
}

// taskRow is the state of a task row that an outcome may change.
type taskRow struct {
	Status          asynqpg.TaskStatus
	AttemptsLeft    int
	AttemptsElapsed int
	Messages        []string
	BlockedTill     time.Time
	UpdatedAt       time.Time
	FinalizedAt     *time.Time
	AttemptedAt     *time.Time
}

// row reads the state of task id.
func (b *bundle) row(t testing.TB, id int64) taskRow {
	t.Helper()
	var r taskRow
	require.NoError(t, b.pool.QueryRow(context.Background(), `
SELECT status, attempts_left, attempts_elapsed, messages, blocked_till, updated_at, finalized_at, attempted_at
FROM asynqpg_tasks WHERE id = $1`, id).Scan(&r.Status, &r.AttemptsLeft, &r.AttemptsElapsed, &r.Messages,
		&r.BlockedTill, &r.UpdatedAt, &r.FinalizedAt, &r.AttemptedAt))
	return r
}

// status reads the status of task id.
func (b *bundle) status(t testing.TB, id int64) asynqpg.TaskStatus {
	t.Helper()
	var s asynqpg.TaskStatus
	require.NoError(t, b.pool.QueryRow(context.Background(), `SELECT status FROM asynqpg_tasks WHERE id = $1`, id).Scan(&s))
	return s
}
