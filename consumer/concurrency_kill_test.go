package consumer_test

import "bytes"
import "context"
import "os"
import "os/exec"
import "sync"
import "sync/atomic"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"

// TestKilledConsumerHoldsSlots kills a consumer process while it runs as
// many tasks as a type's global concurrency limit: a consumer started
// after the kill runs nothing of the type until the dead one's leases
// pass, then runs every task, the lost ones included, never more than the
// limit at once.
func TestKilledConsumerHoldsSlots(t *testing.T) {
	t.Parallel()
	const limit = 3
	b := setup(t)
	b.enqueueMany(t, doomedType, limit)

	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), helperURLEnv+"="+b.url)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	var killOnce sync.Once
	kill := func() {
		killOnce.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}
	t.Cleanup(kill)
	require.Eventually(t, func() bool { return b.countStatus(t, doomedType, asynqpg.TaskStatusRunning) == limit },
		30*time.Second, 20*time.Millisecond, "the child never ran every task; its output:\n%s", &out)
	kill()

	// The slots free up when the first of the dead leases passes.
	var untilFreed time.Duration
	require.NoError(t, b.pool.QueryRow(context.Background(), `SELECT (extract(epoch FROM min(blocked_till) - now()) * 1000000)::bigint
		FROM asynqpg_tasks WHERE type = $1 AND status = 'running'`, doomedType).Scan(&untilFreed))
	freed := time.Now().Add(untilFreed * time.Microsecond)
	b.enqueueMany(t, doomedType, 2)

	var (
		mu            sync.Mutex
		first         time.Time
		running, most atomic.Int64
	)
	c, err := consumer.New(b.config(b.pool))
	require.NoError(t, err)
	require.NoError(t, c.RegisterTaskHandler(doomedType, consumer.TaskHandlerFunc(
		func(context.Context, *asynqpg.TaskInfo) error {
			n := running.Add(1)
			defer running.Add(-1)
			mu.Lock()
			if first.IsZero() {
				first = time.Now()
			}
			mu.Unlock()
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				// another handler raised most meanwhile: compare again
			}
			time.Sleep(20 * time.Millisecond) // a busy handler
			return nil
		}), consumer.WithWorkersCount(10), consumer.WithGlobalConcurrency(limit)))
	require.NoError(t, c.Start())
	t.Cleanup(func() { require.NoError(t, c.Stop()) })

	require.Eventually(t, func() bool { return b.countStatus(t, doomedType, asynqpg.TaskStatusCompleted) == limit+2 },
		time.Minute, 50*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	require.False(t, first.Before(freed.Add(-100*time.Millisecond)),
		"a task ran %v before the dead consumer's leases passed", freed.Sub(first))
	require.LessOrEqual(t, most.Load(), int64(limit))
}
