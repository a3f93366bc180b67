package consumer_test

import "context"
import "errors"
import "testing"
import "time"

import "github.com/jackc/pgx/v5/pgxpool"
import "github.com/stretchr/testify/require"
import "go.uber.org/goleak"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/consumer"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
import "github.com/yakser/asynqpg/internal/testdb"
import "github.com/yakser/asynqpg/producer"

// TestStopLeavesNoGoroutines runs a consumer through successes, retries,
// a cancellation, a timeout, maintenance and a shutdown that cancels a
// handler, and checks that Stop leaves no goroutine behind.
//
// It is not parallel: the goroutines of tests running alongside would be
// counted as leaks.
func TestStopLeavesNoGoroutines(t *testing.T) {
	url := testdb.URL(t)
	ignore := goleak.IgnoreCurrent()
	ctx := context.Background()

	pool, err := pgxpool.New(ctx, url)
	require.NoError(t, err)
	prod, err := producer.New(producer.Config{Pool: pgxv5driver.New(pool)})
	require.NoError(t, err)
	cl, err := client.New(client.Config{Pool: pgxv5driver.New(pool)})
	require.NoError(t, err)
	b := &bundle{url: url, pool: pool}

	cfg := b.config(pool)
	cfg.DisableMaintenance = false
	c, err := consumer.New(cfg)
	require.NoError(t, err)
	started := make(chan int64, 10)
	require.NoError(t, c.RegisterTaskHandler("leak", consumer.TaskHandlerFunc(
		func(ctx context.Context, task *asynqpg.TaskInfo) error {
			switch string(task.Payload) {
			case "fail":
				return errors.New("boom")
			case "block":
				started <- task.ID
				<-ctx.Done()
				return ctx.Err()
			}
			return nil
		}), consumer.WithTimeout(time.Second)))
	require.NoError(t, c.Start())

	enqueue := func(payload string, opts ...asynqpg.TaskOption) int64 {
		id, err := prod.Enqueue(ctx, asynqpg.NewTask("leak", []byte(payload), opts...))
		require.NoError(t, err)
		return id
	}
	ok := enqueue("ok")
	failed := enqueue("fail", asynqpg.WithMaxRetry(2))
	cancelled := enqueue("block")
	require.Equal(t, cancelled, <-started)
	_, err = cl.CancelTask(ctx, cancelled)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return b.status(t, ok) == asynqpg.TaskStatusCompleted && b.status(t, failed) == asynqpg.TaskStatusFailed
	}, 20*time.Second, 20*time.Millisecond)
	interrupted := enqueue("block")
	require.Equal(t, interrupted, <-started)

	// The blocked handler outlives the timeout: its context is cancelled,
	// its task given back, and Shutdown says the timeout passed.
	require.Equal(t, consumer.ErrShutdownTimeout, c.Shutdown(100*time.Millisecond))
	require.Equal(t, asynqpg.TaskStatusCancelled, b.status(t, cancelled))
	require.Equal(t, asynqpg.TaskStatusPending, b.status(t, interrupted))
	pool.Close()
	goleak.VerifyNone(t, ignore)
}
