package reliability

import "context"
import "fmt"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"

// TestClockSkew is the clock part of scenario 8: a consumer whose clock is
// 10 minutes ahead of, or behind, the database's claims, leads and rescues
// next to the database's own clock.
// Pass: its leases are exactly timeout + margin long by the database clock
// and begin at the database's now; its leader term is exactly the TTL long
// and begins at the database's now; its rescuer returns the task whose
// lease passed more than the stuck threshold ago and leaves alone the task
// whose lease runs for another 30 s; a consumer with a correct clock is not
// elected while the skewed leader renews its term.
func TestClockSkew(t *testing.T) {
	t.Parallel()
	for _, skew := range []time.Duration{10 * time.Minute, -10 * time.Minute} {
		t.Run(fmt.Sprintf("skew %v", skew), func(t *testing.T) {
			t.Parallel()
			testClockSkew(t, skew)
		})
	}
}

func testClockSkew(t *testing.T, skew time.Duration) {
	const (
		timeout = time.Second
		lease   = timeout + 5*time.Second
		near    = 5 * time.Second // "at the database's now", on a loaded machine
	)
	began := time.Now()
	ctx := context.Background()
	useConnections(t, 3*4+2)
	b := setup(t)
	b.exec(t, leaderAudit)
	var fresh, stuck int64
	insertRunning := func(leaseFromNow string) int64 {
		var id int64
		require.NoError(t, b.pool.QueryRow(ctx, `
INSERT INTO asynqpg_tasks (type, payload, status, attempts_left, attempted_at, blocked_till)
VALUES ('orphan', '\x', 'running', 3, now() - interval '10 seconds', now() + $1::interval) RETURNING id`,
			leaseFromNow).Scan(&id))
		return id
	}
	fresh = insertRunning("30 seconds")
	stuck = insertRunning("-5 seconds")
	freshBefore := b.row(t, fresh)

	pool := openPool(t, b.url, "skewed")
	sp, err := newSkewPool(pgxv5driver.New(pool), skew)
	require.NoError(t, err)
	c, err := consumer.New(consumer.Config{
		Pool: sp, ClientID: "skewed", FetchInterval: 100 * time.Millisecond, JanitorInterval: 300 * time.Millisecond,
		StuckThreshold: 2 * time.Second, ShutdownTimeout: 5 * time.Second, Logger: newLogRecorder().Logger(),
	})
	require.NoError(t, err)
	started := make(chan int64, 1)
	release := make(chan struct{})
	require.NoError(t, c.RegisterTaskHandler("skew", consumer.TaskHandlerFunc(
		func(ctx context.Context, task *asynqpg.TaskInfo) error {
			require.NoError(t, recordExecution(ctx, b.pool, "skewed", task))
			started <- task.ID
			<-release
			return nil
		}), consumer.WithTimeout(timeout)))
	require.NoError(t, c.Start())
	t.Cleanup(func() { _ = c.Stop() })

	// Leases by the database clock.
	id := b.enqueue(t, "skew", 1, 3)[0]
	require.Equal(t, id, <-started)
	var leaseLen, sinceClaim time.Duration
	require.NoError(t, b.pool.QueryRow(ctx, `
SELECT (extract(epoch FROM blocked_till - attempted_at) * 1000000)::bigint * 1000,
	(extract(epoch FROM clock_timestamp() - attempted_at) * 1000000)::bigint * 1000
FROM asynqpg_tasks WHERE id = $1`, id).Scan(&leaseLen, &sinceClaim))
	close(release)
	require.Equal(t, lease, leaseLen, "lease length by the database clock")
	require.Less(t, sinceClaim.Abs(), near, "claim time against the database's now")
	b.waitCompleted(t, "skew", 1, waitLong)

	// The leader term by the database clock.
	require.Eventually(t, func() bool {
		return b.scalar(t, `SELECT count(*) FROM reliability_leader_audit WHERE op = 'elect' AND leader_id = 'skewed'`) > 0
	}, waitLong, tick, "the skewed consumer never became leader")
	var termLen, sinceElected time.Duration
	require.NoError(t, b.pool.QueryRow(ctx, `
SELECT (extract(epoch FROM expires_at - elected_at) * 1000000)::bigint * 1000,
	(extract(epoch FROM clock_timestamp() - elected_at) * 1000000)::bigint * 1000
FROM reliability_leader_audit WHERE op = 'elect' AND leader_id = 'skewed' ORDER BY seq LIMIT 1`).Scan(&termLen, &sinceElected))
	require.Equal(t, leaderTTL, termLen, "term length by the database clock")
	require.Less(t, sinceElected.Abs(), near+leaderTTL, "election time against the database's now")

	// The rescuer: the stuck task is rescued, the fresh one is not.
	require.Eventually(t, func() bool { return b.status(t, stuck) == asynqpg.TaskStatusPending }, waitLong, tick,
		"the task stuck past its lease was not rescued")
	time.Sleep(10 * 300 * time.Millisecond)
	require.Equal(t, freshBefore, b.row(t, fresh), "the task whose lease runs on was touched")

	// A consumer with a correct clock is not elected meanwhile.
	plainPool := openPool(t, b.url, "plain")
	plain, err := consumer.New(consumer.Config{
		Pool: pgxv5driver.New(plainPool), ClientID: "plain", FetchInterval: 100 * time.Millisecond,
		JanitorInterval: 300 * time.Millisecond, StuckThreshold: 2 * time.Second, Logger: newLogRecorder().Logger(),
	})
	require.NoError(t, err)
	require.NoError(t, plain.RegisterTaskHandler("other", consumer.TaskHandlerFunc(
		func(context.Context, *asynqpg.TaskInfo) error { return nil })))
	require.NoError(t, plain.Start())
	time.Sleep(electInterval + time.Second)
	require.NoError(t, plain.Stop())
	plainElected := b.scalar(t, `SELECT count(*) FROM reliability_leader_audit WHERE op = 'elect' AND leader_id = 'plain'`)
	renewals := b.scalar(t, `SELECT count(*) FROM reliability_leader_audit WHERE op = 'renew' AND leader_id = 'skewed'`)
	require.NoError(t, c.Stop())

	report(t, result{
		Scenario: 8, Name: fmt.Sprintf("clock %v off", skew), Counts: b.counts(t, "skew"), Bound: 0, Elapsed: time.Since(began),
		Notes: fmt.Sprintf("lease=%v term=%v claim_vs_db_now=%v second_leader_elections=%d renewals=%d instants_sent=%d",
			leaseLen, termLen, sinceClaim.Round(time.Millisecond), plainElected, renewals, sp.ex.sent.Load()),
	})
	require.Zero(t, plainElected, "a second leader was elected while the skewed leader renewed its term")
	require.Positive(t, renewals, "the skewed leader renewed its term")
}
