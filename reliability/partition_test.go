package reliability

import "fmt"
import "strings"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/internal/faultproxy"

// TestNetworkPartition is scenario 7: a consumer process reaches the
// database through a TCP proxy, which cuts it off for longer than its
// lease while another consumer works on; then the network heals.
// Pass: 0 lost, 0 duplicate; after healing, the cut-off consumer's writes
// about attempts that other consumers took over change 0 rows (write
// audit); re-executions ≤ the tasks it had in flight when cut off.
func TestNetworkPartition(t *testing.T) {
	t.Parallel()
	const (
		taskType = "partition"
		timeout  = time.Second
		lease    = timeout + 5*time.Second
	)
	tasks := size().LoadTasks
	began := time.Now()
	useConnections(t, 2*(4+1+3)+4)
	b := setup(t)
	b.exec(t, claimsAudit)
	b.exec(t, writesAudit)
	proxy, err := faultproxy.New(hostOf(t, b.url))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, proxy.Close()) })

	spec := func(name, url string) consumerSpec {
		return consumerSpec{
			URL: url, LedgerURL: b.url, Name: name, Types: []string{taskType}, Workers: 10,
			Timeout: timeout, HandlerSleep: 50 * time.Millisecond,
			FetchInterval: 100 * time.Millisecond, CancelCheckInterval: 200 * time.Millisecond,
			JanitorInterval: time.Second, StuckThreshold: time.Second, Maintenance: true,
		}
	}
	cut := startChild(t, "cut", roleConsumer, spec("cut", withHost(t, b.url, proxy.Addr())), true)
	healthy := startChild(t, "healthy", roleConsumer, spec("healthy", b.url), true)
	fed := b.feed(t, taskType, tasks, steadyBatch, steadyPeriod, 10)

	require.Eventually(t, func() bool {
		return b.scalar(t, `SELECT count(*) FROM asynqpg_tasks WHERE status = 'running' AND claimed_by = 'cut'`) >= 3
	}, waitLong, 5*time.Millisecond, "the consumer to cut off never held running tasks")
	proxy.Pause()
	// Let what was on its way settle, then count what it holds.
	time.Sleep(300 * time.Millisecond)
	held := b.runningClaimedBy(t, "cut")
	inFlight := int64(len(held))
	cutAt := time.Now()
	t.Logf("cut off the consumer holding %d running tasks", inFlight)
	// Heal once the lease has passed and the other consumer has taken
	// over what the cut-off one held.
	time.Sleep(lease)
	require.Eventually(t, func() bool {
		return b.scalar(t, `SELECT count(*) FROM asynqpg_tasks WHERE id = ANY($1) AND claimed_by = 'cut'`, held) == 0
	}, waitLong, tick, "the other consumer never took over the tasks of the cut-off one")
	cutFor := time.Since(cutAt)
	proxy.Heal()
	healedAt := b.dbNow(t)

	require.Equal(t, tasks, <-fed)
	b.waitCompleted(t, taskType, tasks, waitLong)
	// The cut-off consumer's outcomes of attempts taken over are written
	// (and rejected) once it reconnects; stopping it flushes the rest.
	cut.stop(t)
	healthy.stop(t)

	stale := b.scalar(t, `
SELECT count(*) FROM reliability_writes
WHERE app = 'cut' AND at >= $1 AND old_status = 'running' AND old_claimed_by IS DISTINCT FROM 'cut'`, healedAt)
	writesAfter := b.scalar(t, `SELECT count(*) FROM reliability_writes WHERE app = 'cut' AND at >= $1`, healedAt)
	takenOver := b.scalar(t, `
SELECT count(DISTINCT l.task_id) FROM reliability_ledger l
WHERE l.consumer = 'cut' AND EXISTS (
	SELECT 1 FROM reliability_ledger l2 WHERE l2.task_id = l.task_id AND l2.attempt > l.attempt)`)
	rejected := strings.Count(cut.out.String(), "outcome not recorded")
	c := b.counts(t, taskType)
	report(t, result{
		Scenario: 7, Name: "consumer cut off longer than its lease", Counts: c, Bound: inFlight,
		Elapsed: time.Since(began),
		Notes: fmt.Sprintf("cut_for=%v in_flight=%d taken_over=%d stale_writes_rejected=%d stale_rows_changed=%d writes_after_heal=%d",
			cutFor.Round(time.Millisecond), inFlight, takenOver, rejected, stale, writesAfter),
	})
	requireNoLossNoDuplicate(t, c, tasks, inFlight)
	require.Zero(t, stale, "rows changed by the cut-off consumer about attempts it no longer owned")
}
