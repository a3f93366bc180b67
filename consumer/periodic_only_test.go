package consumer_test

import "context"
import "sync/atomic"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/consumer"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"

// A consumer with periodic tasks and no handler starts, enqueues its
// instants when it leads, claims nothing, is not listed among the live
// consumers, and stops; one with neither is still refused.
func TestConsumerOfPeriodicTasksOnly(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	empty := b.leaderConsumer(t, nil)
	require.EqualError(t, empty.Start(), "no task handlers registered")

	var built atomic.Int64
	c := b.leaderConsumer(t, nil)
	require.NoError(t, c.RegisterPeriodicTask(consumer.PeriodicTask{Name: "scheduler-only", Schedule: "@every 1s",
		Task: func(time.Time) *asynqpg.Task {
			built.Add(1)
			return asynqpg.NewTask("scheduled", []byte(`{}`))
		}}))
	require.NoError(t, c.Start())
	t.Cleanup(func() { _ = c.Stop() })
	require.Eventually(t, func() bool { return b.countStatus(t, "scheduled", asynqpg.TaskStatusPending) >= 2 },
		10*time.Second, 50*time.Millisecond, "the leader enqueues the instants")

	cl, err := client.New(client.Config{Pool: pgxv5driver.New(b.pool)})
	require.NoError(t, err)
	live, err := cl.ListConsumers(ctx)
	require.NoError(t, err)
	require.Empty(t, live, "a consumer serving no task type is not listed")

	require.NoError(t, c.Stop())
	require.Zero(t, b.countStatus(t, "scheduled", asynqpg.TaskStatusRunning), "nothing claimed")
	after := built.Load()
	time.Sleep(1500 * time.Millisecond)
	require.Equal(t, after, built.Load(), "nothing enqueued after Stop")
	require.NoError(t, c.Start(), "started again after Stop")
	require.NoError(t, c.Stop())
}
