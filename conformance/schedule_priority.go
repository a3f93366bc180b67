package conformance

import "context"
import "fmt"
import "sync"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/producer"

// storedPriority reads the priority of task id through Check.
func (b *apiBundle) storedPriority(t *testing.T, id int64) int {
	t.Helper()
	var p int
	require.NoError(t, b.Check.QueryRowContext(context.Background(),
		`SELECT priority FROM asynqpg_tasks WHERE id = $1`, id).Scan(&p))
	return p
}

func testSchedulePriorityRange(t *testing.T, b *apiBundle) {
	t.Parallel()
	for _, p := range []int{asynqpg.MinPriority, 0, asynqpg.MaxPriority} {
		id, err := b.enqueue(t, asynqpg.NewTask("prio:range:ok", []byte{}, asynqpg.WithPriority(p)))
		require.NoError(t, err)
		require.Equal(t, p, b.storedPriority(t, id))
	}
	ids, err := b.enqueueMany(t, []*asynqpg.Task{
		asynqpg.NewTask("prio:range:ok", []byte{}, asynqpg.WithPriority(-7)),
		asynqpg.NewTask("prio:range:ok", []byte{}, asynqpg.WithPriority(42)),
	})
	require.NoError(t, err)
	require.Len(t, ids, 2)
	require.Equal(t, -7, b.storedPriority(t, ids[0]))
	require.Equal(t, 42, b.storedPriority(t, ids[1]))

	for _, p := range []int{asynqpg.MinPriority - 1, asynqpg.MaxPriority + 1, -1000, 1 << 40} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			reason := fmt.Sprintf("task priority %d is outside the range -100 to 100", p)
			id, err := b.enqueue(t, asynqpg.NewTask("prio:range:bad", []byte{}, asynqpg.WithPriority(p)))
			require.ErrorIs(t, err, producer.ErrInvalidTask)
			require.EqualError(t, err, reason)
			require.Zero(t, id)

			ids, err := b.enqueueMany(t, []*asynqpg.Task{
				asynqpg.NewTask("prio:range:bad", []byte{}, asynqpg.WithPriority(1)),
				asynqpg.NewTask("prio:range:bad", []byte{}, asynqpg.WithPriority(p)),
			})
			require.ErrorIs(t, err, producer.ErrInvalidTask)
			require.EqualError(t, err, "validate task at index 1: "+reason)
			require.Empty(t, ids)
		})
	}
	require.Zero(t, b.countType(t, "prio:range:bad"), "nothing of a refused task or batch is written")
}

func testSchedulePriorityOrder(t *testing.T, d Driver) {
	t.Parallel()
	b := setupConsumer(t, d)
	now := b.dbNow(t)
	ago := func(h int) time.Time { return now.Add(-time.Duration(h) * time.Hour) }
	for _, task := range []struct {
		name     string
		priority int
		at       time.Time // zero: ready now
		delay    time.Duration
	}{
		{"zero, 3h ago", 0, ago(3), 0},
		{"ten, 1h ago", 10, ago(1), 0},
		{"ten, 2h ago", 10, ago(2), 0},
		{"minus five, 4h ago", -5, ago(4), 0},
		{"ten, 1h ago, later id", 10, ago(1), 0},
		{"max, now", asynqpg.MaxPriority, time.Time{}, 0},
		{"zero, 3h ago, later id", 0, ago(3), 0},
		{"min, 5h ago", asynqpg.MinPriority, ago(5), 0},
		{"max, in an hour", asynqpg.MaxPriority, time.Time{}, time.Hour},
	} {
		tk := asynqpg.NewTask("prio:order", []byte(task.name), asynqpg.WithPriority(task.priority),
			asynqpg.WithDelay(task.delay))
		tk.ProcessAt = task.at
		b.enqueueTask(t, tk)
	}
	want := []string{
		"max, now", "ten, 2h ago", "ten, 1h ago", "ten, 1h ago, later id",
		"zero, 3h ago", "zero, 3h ago, later id", "minus five, 4h ago", "min, 5h ago",
	}

	var (
		mu  sync.Mutex
		got []string
	)
	b.start(t, b.config(), func(c *consumer.Consumer) {
		handle(t, c, "prio:order", func(_ context.Context, task *asynqpg.TaskInfo) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, string(task.Payload))
			return nil
		}, consumer.WithWorkersCount(1))
	})
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) >= len(want)
	}, consumerWait, consumerTick)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, want, got, "one worker runs the ready tasks by priority, then blocked_till, then id")
}
