package consumer_test

import "context"
import "sync"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/internal/testdb"

// TestExactlyOnceAtScale shares 10,000 tasks between three consumers, each
// with its own pool: every task runs exactly once and ends completed.
func TestExactlyOnceAtScale(t *testing.T) {
	t.Parallel()
	const (
		tasks     = 10000
		consumers = 3
	)
	b := setup(t)
	ids := b.enqueueMany(t, "scale", tasks)

	var (
		mu   sync.Mutex
		runs = make(map[int64]int, tasks)
	)
	for range consumers {
		cfg := b.config(testdb.PgxPool(t, b.url))
		c, err := consumer.New(cfg)
		require.NoError(t, err)
		require.NoError(t, c.RegisterTaskHandler("scale",
			consumer.TaskHandlerFunc(func(_ context.Context, task *asynqpg.TaskInfo) error {
				mu.Lock()
				runs[task.ID]++
				mu.Unlock()
				return nil
			}), consumer.WithWorkersCount(20)))
		require.NoError(t, c.Start())
		t.Cleanup(func() { require.NoError(t, c.Stop()) })
	}

	require.Eventually(t, func() bool { return b.countStatus(t, "scale", asynqpg.TaskStatusCompleted) == tasks },
		2*time.Minute, 100*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, runs, tasks)
	for _, id := range ids {
		require.Equal(t, 1, runs[id], "task %d", id)
	}
}
