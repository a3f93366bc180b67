package reliability

import "fmt"
import "runtime"
import "sync"
import "syscall"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

// TestKilledConsumer is scenario 2: a consumer process is killed with
// SIGKILL while it holds running tasks, under a steady load shared with
// another consumer process, with every core of the machine kept busy by
// other work (so that outcomes wait to be written).
// Pass: 0 lost, 0 duplicate; the tasks the killed process held (running,
// claimed by it, at the moment of the kill: looked up while it is frozen
// just before) are no more than its workers, and re-executions ≤ those
// tasks; every held task completed within lease + rescue interval + one
// poll of the kill (plus a fixed allowance for the machine's scheduling).
func TestKilledConsumer(t *testing.T) {
	t.Parallel()
	const (
		taskType  = "kill"
		timeout   = time.Second
		lease     = timeout + 5*time.Second // the consumer's lease margin is 5s
		fetch     = 200 * time.Millisecond
		janitor   = time.Second
		allowance = 3 * time.Second
		workers   = 20
	)
	tasks := size().LoadTasks
	useConnections(t, 2*(4+1)+4)
	b := setup(t)
	b.exec(t, claimsAudit)
	spec := func(name string) consumerSpec {
		return consumerSpec{
			URL: b.url, Name: name, Types: []string{taskType}, Workers: workers,
			Timeout: timeout, HandlerSleep: 2 * time.Millisecond,
			FetchInterval: fetch, JanitorInterval: janitor, StuckThreshold: time.Second, Maintenance: true,
		}
	}
	began := time.Now()
	stopBurning := burnCPU(t)
	victim := startChild(t, "victim", roleConsumer, spec("victim"), true)
	survivor := startChild(t, "survivor", roleConsumer, spec("survivor"), true)
	// Fed faster than the two consumers drain: a backlog keeps every worker
	// busy, which is when outcomes wait to be written.
	fed := b.feed(t, taskType, tasks, 10*steadyBatch, steadyPeriod, 5)

	// Kill once the victim is busy. It is frozen (SIGSTOP) first, so that
	// the tasks it holds cannot finish between the look and the kill; when
	// it holds none at that moment, it is resumed and the wait goes on.
	heldBy := func() []int64 { return b.runningClaimedBy(t, "victim") }
	// Until the kill, the tasks the victim holds are counted every few
	// milliseconds: they must never outnumber its workers.
	var held []int64
	maxHeld := int64(0)
	for deadline := time.Now().Add(waitLong); ; time.Sleep(5 * time.Millisecond) {
		require.True(t, time.Now().Before(deadline), "the victim never held running tasks")
		n := b.scalar(t, `SELECT count(*) FROM asynqpg_tasks WHERE status = 'running' AND claimed_by = 'victim'`)
		maxHeld = max(maxHeld, n)
		require.LessOrEqual(t, n, int64(workers), "the victim held more unfinished tasks than it has workers")
		if n < 3 || b.completed(t, taskType) < int64(tasks/5) {
			continue
		}
		victim.signal(t, syscall.SIGSTOP)
		if held = heldBy(); len(held) > 0 {
			break
		}
		victim.signal(t, syscall.SIGCONT)
	}
	victim.kill(t)
	killedAt := b.dbNow(t)
	stopBurning()
	t.Logf("killed the victim holding %d running tasks (at most %d seen before)", len(held), maxHeld)
	require.LessOrEqual(t, len(held), workers, "the victim held more unfinished tasks than it has workers")

	require.Equal(t, tasks, <-fed)
	b.waitCompleted(t, taskType, tasks, waitLong)
	survivor.stop(t)

	var recovered time.Time
	require.NoError(t, b.pool.QueryRow(t.Context(),
		`SELECT max(finalized_at) FROM asynqpg_tasks WHERE id = ANY($1)`, held).Scan(&recovered))
	recover := recovered.Sub(killedAt)
	bound := lease + janitor + fetch
	c := b.counts(t, taskType)
	report(t, result{
		Scenario: 2, Name: "SIGKILL a consumer holding tasks", Counts: c, Bound: int64(len(held)),
		Recover: recover, RecoverBound: bound + allowance, Elapsed: time.Since(began),
		Notes: fmt.Sprintf("held=%d workers=%d signal=%v cpu_load=%d", len(held), workers, syscall.SIGKILL, runtime.NumCPU()),
	})
	requireNoLossNoDuplicate(t, c, tasks, int64(len(held)))
	require.LessOrEqual(t, recover, bound+allowance,
		"held tasks done %v after the kill; lease %v + rescue interval %v + poll %v (+ %v allowance)", recover, lease, janitor, fetch, allowance)
}

// burnCPU keeps every core busy with spinning goroutines until the
// returned function is called (or the test ends).
func burnCPU(t testing.TB) (stop func()) {
	t.Helper()
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Go(func() {
			for n := 0; ; n++ {
				if n%1024 == 0 {
					select {
					case <-done:
						return
					default:
					}
				}
			}
		})
	}
	var once sync.Once
	stop = func() { once.Do(func() { close(done); wg.Wait() }) }
	t.Cleanup(stop)
	return stop
}
