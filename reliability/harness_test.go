package reliability

import "context"
import "fmt"
import "net/url"
import "strings"
import "testing"
import "time"

import "github.com/jackc/pgx/v5/pgxpool"
import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
import "github.com/yakser/asynqpg/internal/testdb"
import "github.com/yakser/asynqpg/producer"

// The steady load of the fault scenarios: steadyBatch tasks every
// steadyPeriod (200 a second), which a single surviving consumer process
// keeps up with, so that a backlog does not hide the time to recover.
const (
	steadyBatch  = 20
	steadyPeriod = 100 * time.Millisecond
)

// Bounds of waits: generous, so that a slow, loaded machine does not fail
// a test; the scenarios' own criteria are checked on measured values.
const (
	waitLong = 3 * time.Minute
	tick     = 50 * time.Millisecond
)

// bundle is what a scenario works with: its own migrated database with the
// ledger, a direct pool for checks and a producer.
type bundle struct {
	url      string
	pool     *pgxpool.Pool
	producer *producer.Producer
}

// setup gives a scenario its own database with the ledger installed.
func setup(t *testing.T) *bundle {
	t.Helper()
	u := testdb.URL(t)
	b := &bundle{url: u, pool: openPool(t, u, "reliability-check")}
	b.exec(t, ledgerSchema)
	var err error
	b.producer, err = producer.New(producer.Config{Pool: pgxv5driver.New(b.pool)})
	require.NoError(t, err)
	return b
}

// openPool opens a pgx pool on rawURL with the given application_name,
// closed when the test ends.
func openPool(t testing.TB, rawURL, app string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(withParams(t, rawURL, "application_name", app))
	require.NoError(t, err)
	cfg.MaxConns = 4
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// withParams returns rawURL with the given query parameters set.
func withParams(t testing.TB, rawURL string, kv ...string) string {
	t.Helper()
	u, err := setParams(rawURL, kv...)
	require.NoError(t, err)
	return u
}

// setParams returns rawURL with the given query parameters set.
func setParams(rawURL string, kv ...string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("parse database URL: %w", err)
	}
	q := u.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// withHost returns rawURL pointing at hostPort instead.
func withHost(t testing.TB, rawURL, hostPort string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	require.NoError(t, err)
	u.Host = hostPort
	return u.String()
}

// hostOf returns the host:port of rawURL.
func hostOf(t testing.TB, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	require.NoError(t, err)
	return u.Host
}

// exec runs statements on the scenario's database.
func (b *bundle) exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	_, err := b.pool.Exec(context.Background(), sql, args...)
	require.NoError(t, err)
}

// scalar runs a query returning one int64.
func (b *bundle) scalar(t testing.TB, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	require.NoError(t, b.pool.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

// enqueue enqueues n tasks of taskType with the given attempts, in
// batches, and returns their IDs.
func (b *bundle) enqueue(t testing.TB, taskType string, n, attempts int) []int64 {
	t.Helper()
	ids := make([]int64, 0, n)
	for len(ids) < n {
		batch := make([]*asynqpg.Task, min(1000, n-len(ids)))
		for i := range batch {
			batch[i] = asynqpg.NewTask(taskType, []byte(fmt.Sprint(len(ids)+i)), asynqpg.WithMaxRetry(attempts))
		}
		got, err := b.producer.EnqueueMany(context.Background(), batch)
		require.NoError(t, err)
		ids = append(ids, got...)
	}
	return ids
}

// completed returns how many tasks of taskType are completed.
func (b *bundle) completed(t testing.TB, taskType string) int64 {
	t.Helper()
	return b.scalar(t, `SELECT count(*) FROM asynqpg_tasks WHERE type = $1 AND status = 'completed'`, taskType)
}

// waitCompleted waits until n tasks of taskType are completed and returns
// how long that took.
func (b *bundle) waitCompleted(t testing.TB, taskType string, n int, within time.Duration) time.Duration {
	t.Helper()
	began := time.Now()
	require.Eventually(t, func() bool { return b.completed(t, taskType) >= int64(n) }, within, tick,
		"%d of %d tasks of type %s completed after %v; counts: %+v", b.completed(t, taskType), n, taskType, within,
		b.counts(t, taskType))
	return time.Since(began)
}

// counts are the ledger's figures for a set of tasks.
type counts struct {
	// Tasks is the number of tasks in the table.
	Tasks int64
	// Completed is the number of them completed.
	Completed int64
	// Lost counts tasks not completed, or never executed.
	Lost int64
	// Executions counts every execution recorded.
	Executions int64
	// Executed counts the distinct tasks executed.
	Executed int64
	// Duplicates counts executions of an attempt that had executed before.
	Duplicates int64
	// Reexecutions counts executions beyond the first of each task.
	Reexecutions int64
}

// counts reads the ledger's figures for the tasks of taskType.
func (b *bundle) counts(t testing.TB, taskType string) counts {
	t.Helper()
	var c counts
	var ledgerRows int64
	require.NoError(t, b.pool.QueryRow(context.Background(), `
SELECT
	(SELECT count(*) FROM asynqpg_tasks WHERE type = $1),
	(SELECT count(*) FROM asynqpg_tasks WHERE type = $1 AND status = 'completed'),
	(SELECT count(*) FROM asynqpg_tasks t WHERE t.type = $1 AND (t.status <> 'completed'
		OR NOT EXISTS (SELECT 1 FROM reliability_ledger l WHERE l.task_id = t.id))),
	(SELECT count(*) FROM reliability_ledger l JOIN asynqpg_tasks t ON t.id = l.task_id WHERE t.type = $1),
	(SELECT count(DISTINCT l.task_id) FROM reliability_ledger l JOIN asynqpg_tasks t ON t.id = l.task_id WHERE t.type = $1),
	(SELECT count(*) FROM reliability_duplicates d JOIN asynqpg_tasks t ON t.id = d.task_id WHERE t.type = $1)`,
		taskType).Scan(&c.Tasks, &c.Completed, &c.Lost, &ledgerRows, &c.Executed, &c.Duplicates))
	c.Executions = ledgerRows + c.Duplicates
	c.Reexecutions = c.Executions - c.Executed
	return c
}

// result is what a scenario reports.
type result struct {
	Scenario int
	Name     string
	Counts   counts
	// Bound is the most re-executions the scenario allows; negative
	// when the scenario sets none (only duplicates count).
	Bound int64
	// Recover is the time to recover from the fault, when there is one.
	Recover time.Duration
	// RecoverBound is the most Recover may be.
	RecoverBound time.Duration
	// Elapsed is the scenario's duration.
	Elapsed time.Duration
	// Notes adds scenario-specific figures.
	Notes string
}

// report logs the scenario's figures and its one-line summary.
func report(t testing.TB, r result) {
	t.Helper()
	c := r.Counts
	t.Logf("scenario %d (%s): tasks=%d completed=%d executions=%d executed=%d lost=%d duplicates=%d re-executions=%d (bound %d)",
		r.Scenario, r.Name, c.Tasks, c.Completed, c.Executions, c.Executed, c.Lost, c.Duplicates, c.Reexecutions, r.Bound)
	var b strings.Builder
	bound := fmt.Sprint(r.Bound)
	if r.Bound < 0 {
		bound = "unbounded"
	}
	fmt.Fprintf(&b, "SUMMARY scenario %d (%s): lost=%d duplicates=%d re-executions=%d/%s",
		r.Scenario, r.Name, c.Lost, c.Duplicates, c.Reexecutions, bound)
	if r.RecoverBound > 0 {
		fmt.Fprintf(&b, " recover=%v (bound %v)", r.Recover.Round(time.Millisecond), r.RecoverBound)
	}
	fmt.Fprintf(&b, " elapsed=%v", r.Elapsed.Round(time.Millisecond))
	if r.Notes != "" {
		fmt.Fprintf(&b, " %s", r.Notes)
	}
	if full() {
		b.WriteString(" [full]")
	} else {
		b.WriteString(" [short]")
	}
	t.Log(b.String())
}

// requireNoLossNoDuplicate checks the common criterion: nothing lost, no
// duplicate, re-executions within bound (unless it is negative).
func requireNoLossNoDuplicate(t testing.TB, c counts, tasks int, bound int64) {
	t.Helper()
	require.Equal(t, int64(tasks), c.Tasks, "tasks in the table")
	require.Zero(t, c.Lost, "lost tasks")
	require.Equal(t, int64(tasks), c.Completed, "completed tasks")
	require.Equal(t, int64(tasks), c.Executed, "tasks executed")
	require.Zero(t, c.Duplicates, "duplicate executions")
	if bound >= 0 {
		require.LessOrEqual(t, c.Reexecutions, bound, "re-executions")
	}
}

// feed enqueues total tasks of taskType at a steady rate (batch tasks
// every interval) in the background, until the test ends. The returned
// channel yields the number of tasks enqueued when done; enqueue errors
// are retried.
func (b *bundle) feed(t testing.TB, taskType string, total, batch int, interval time.Duration, attempts int) <-chan int {
	t.Helper()
	done := make(chan int, 1)
	ctx := t.Context()
	go func() {
		sent := 0
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for sent < total && ctx.Err() == nil {
			tasks := make([]*asynqpg.Task, min(batch, total-sent))
			for i := range tasks {
				tasks[i] = asynqpg.NewTask(taskType, []byte(fmt.Sprint(sent+i)), asynqpg.WithMaxRetry(attempts))
			}
			if _, err := b.producer.EnqueueMany(ctx, tasks); err == nil {
				sent += len(tasks)
			}
			select {
			case <-ticker.C:
			case <-ctx.Done():
			}
		}
		done <- sent
	}()
	return done
}

// dbNow returns the database's clock.
func (b *bundle) dbNow(t testing.TB) time.Time {
	t.Helper()
	var now time.Time
	require.NoError(t, b.pool.QueryRow(context.Background(), `SELECT clock_timestamp()`).Scan(&now))
	return now
}
