package reliability

import "context"
import "fmt"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
import "github.com/yakser/asynqpg/producer"

// TestTerminatedConnections is scenario 6: every connection of the
// consumer processes and of the producer is terminated
// (pg_terminate_backend), again and again, for a bounded time, under a
// steady load.
// Pass: 0 lost, 0 duplicate, no panic and a clean exit of every consumer
// process; throughput recovers: in the seconds after the storm, tasks
// complete at least at half the rate they did before it, and every task
// enqueued before the storm ended completes within 30 s of its end.
// Re-executions are reported; a terminated connection may take a batch of
// written outcomes with it, so they have no tighter bound than "explained":
// no duplicate.
func TestTerminatedConnections(t *testing.T) {
	t.Parallel()
	const (
		taskType   = "terminate"
		processes  = 2
		killPeriod = 100 * time.Millisecond
		window     = 2 * time.Second
		drainMax   = 30 * time.Second
	)
	storm := size().TerminateFor
	began := time.Now()
	useConnections(t, 2*(4+1+3)+4+4)
	b := setup(t)
	var procs []*proc
	for i := range processes {
		name := fmt.Sprintf("term-%d", i)
		procs = append(procs, startChild(t, name, roleConsumer, consumerSpec{
			URL: b.url, LedgerURL: b.url, Name: name, Types: []string{taskType}, Workers: 10,
			Timeout: 5 * time.Second, HandlerSleep: 10 * time.Millisecond,
			FetchInterval: 100 * time.Millisecond, JanitorInterval: time.Second, Maintenance: true,
		}, true))
	}
	prodPool := openPool(t, b.url, "term-producer")
	prod, err := producer.New(producer.Config{Pool: pgxv5driver.New(prodPool)})
	require.NoError(t, err)
	fb := *b
	fb.producer = prod
	// A steady load through the baseline window, the storm and a few
	// seconds after.
	feedFor := window + storm + 3*window
	tasks := steadyBatch * int(feedFor/steadyPeriod)
	fed := fb.feed(t, taskType, tasks, steadyBatch, steadyPeriod, 10)

	time.Sleep(window)
	stormBegan := b.dbNow(t)
	terminated := 0
	for deadline := time.Now().Add(storm); time.Now().Before(deadline); time.Sleep(killPeriod) {
		var n int
		require.NoError(t, b.pool.QueryRow(context.Background(), `
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = current_database() AND application_name LIKE 'term-%' AND pid <> pg_backend_pid()`).Scan(&n))
		terminated += n
	}
	stormEnded := b.dbNow(t)
	require.Positive(t, terminated, "no connection was terminated")

	// Throughput after the storm, against before it.
	time.Sleep(window + 2*window)
	rate := func(from, to time.Time) float64 {
		n := b.scalar(t, `SELECT count(*) FROM asynqpg_tasks WHERE type = $1 AND finalized_at >= $2 AND finalized_at < $3`,
			taskType, from, to)
		return float64(n) / to.Sub(from).Seconds()
	}
	before := rate(stormBegan.Add(-window), stormBegan)
	during := rate(stormBegan, stormEnded)
	after := rate(stormEnded.Add(window), stormEnded.Add(3*window))

	sent := <-fed
	require.Equal(t, tasks, sent)
	b.waitCompleted(t, taskType, tasks, waitLong)
	// Time to recover: until the last task enqueued before the storm
	// ended completed.
	var lastDone time.Time
	require.NoError(t, b.pool.QueryRow(context.Background(),
		`SELECT max(finalized_at) FROM asynqpg_tasks WHERE type = $1 AND created_at <= $2`, taskType, stormEnded).Scan(&lastDone))
	drain := max(lastDone.Sub(stormEnded), 0)
	for _, p := range procs {
		p.stop(t)
	}
	c := b.counts(t, taskType)
	report(t, result{
		Scenario: 6, Name: "pg_terminate_backend storm", Counts: c, Bound: -1,
		Recover: drain, RecoverBound: drainMax, Elapsed: time.Since(began),
		Notes: fmt.Sprintf("storm=%v terminated=%d rate_before=%.0f/s rate_during=%.0f/s rate_after=%.0f/s",
			storm, terminated, before, during, after),
	})
	requireNoLossNoDuplicate(t, c, tasks, -1)
	require.GreaterOrEqual(t, after, before/2, "throughput after the storm (%.0f/s) below half of before (%.0f/s)", after, before)
	require.LessOrEqual(t, drain, drainMax, "the backlog of the storm drained %v after it", drain)
}
