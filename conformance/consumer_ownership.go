package conformance

import "context"
import "fmt"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/internal/engine"

// Ownership: wake-ups, cancellation, stale attempts, exactly-once
// processing and expired leases.

func testConsumerWakesOnNotification(t *testing.T, d Driver) {
	t.Parallel()
	if !d.CanListen {
		// Nothing to prove: such an entry only polls (CancelRunning and
		// the other tests cover polling).
		return
	}
	b := setupConsumer(t, d)
	cfg := b.config()
	cfg.FetchInterval = time.Hour // only a notification can wake the consumer
	b.start(t, cfg, func(c *consumer.Consumer) {
		handle(t, c, "wake", func(context.Context, *asynqpg.TaskInfo) error { return nil })
	})
	// The first task may be found by the fetch at start; the second one
	// only by a notification (or the look-around when the listener
	// connects, which proves it connected).
	first := b.enqueueTask(t, asynqpg.NewTask("wake", []byte{}))
	b.waitStatus(t, first, asynqpg.TaskStatusCompleted)
	for range 3 {
		id := b.enqueueTask(t, asynqpg.NewTask("wake", []byte{}))
		b.waitStatus(t, id, asynqpg.TaskStatusCompleted)
	}
}

func testConsumerCancelRunning(t *testing.T, d Driver) {
	t.Parallel()
	tests := []struct {
		name   string
		listen bool
	}{
		{name: "polling"},
		{name: "notification", listen: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.listen && !d.CanListen {
				return // the entry cannot LISTEN: polling covers it
			}
			b := setupConsumer(t, d)
			cfg := b.config()
			if tt.listen {
				// Only notifications can wake the consumer or tell it about
				// the cancellation.
				cfg.FetchInterval = time.Hour
				cfg.CancelCheckInterval = time.Hour
			} else {
				cfg.Pool = b.pollOnly(t)
			}
			started := make(chan int64, 4)
			cancelled := make(chan error, 4)
			c := b.start(t, cfg, func(c *consumer.Consumer) {
				handle(t, c, "warmup", func(context.Context, *asynqpg.TaskInfo) error { return nil })
				handle(t, c, "long", func(ctx context.Context, task *asynqpg.TaskInfo) error {
					started <- task.ID
					<-ctx.Done()
					cancelled <- ctx.Err()
					return nil // the task stays cancelled whatever the handler returns
				})
			})
			warmup := b.enqueueTask(t, asynqpg.NewTask("warmup", []byte{}))
			b.waitStatus(t, warmup, asynqpg.TaskStatusCompleted)
			id := b.enqueueTask(t, asynqpg.NewTask("long", []byte{}))
			select {
			case got := <-started:
				require.Equal(t, id, got)
			case <-time.After(consumerWait):
				t.Fatal("the task never started")
			}
			_, err := b.Client.CancelTask(context.Background(), id)
			require.NoError(t, err)
			select {
			case err := <-cancelled:
				require.ErrorIs(t, err, context.Canceled)
			case <-time.After(consumerWait):
				t.Fatal("the handler's context was not cancelled")
			}
			// Stop writes every outcome handed over: the handler's nil
			// changed nothing.
			require.NoError(t, c.Stop())
			s := b.stored(t, id)
			require.Equal(t, asynqpg.TaskStatusCancelled, s.Status)
			require.Equal(t, 0, s.AttemptsElapsed)
			require.Empty(t, s.Messages)
			require.Empty(t, b.Errors.Calls())
		})
	}
}

func testConsumerStaleOwner(t *testing.T, d Driver) {
	t.Parallel()
	b := setupConsumer(t, d)
	cfg := b.config()
	cfg.Pool = b.pollOnly(t)
	cfg.CancelCheckInterval = time.Hour // the consumer does not notice the takeover
	started := make(chan int64, 1)
	release := make(chan struct{})
	c := b.start(t, cfg, func(c *consumer.Consumer) {
		handle(t, c, "stale", func(_ context.Context, task *asynqpg.TaskInfo) error {
			started <- task.ID
			<-release
			return fmt.Errorf("too late: %w", asynqpg.ErrSkipRetry)
		})
	})
	id := b.enqueueTask(t, asynqpg.NewTask("stale", []byte{}, asynqpg.WithMaxRetry(3)))
	require.Equal(t, id, <-started)
	// Another consumer took the task over (a new attempt owns it).
	_, err := b.Check.ExecContext(context.Background(),
		`UPDATE asynqpg_tasks SET attempted_at = attempted_at + interval '1 second' WHERE id = $1`, id)
	require.NoError(t, err)
	want := b.stored(t, id)
	close(release)
	require.NoError(t, c.Stop()) // writes every outcome handed over
	s := b.stored(t, id)
	require.Equal(t, asynqpg.TaskStatusRunning, s.Status, "the stale attempt wrote nothing")
	require.Equal(t, want.AttemptsLeft, s.AttemptsLeft)
	require.Equal(t, 0, s.AttemptsElapsed)
	require.Empty(t, s.Messages)
	require.True(t, want.UpdatedAt.Equal(s.UpdatedAt))
	require.Empty(t, b.Errors.Calls(), "no ErrorHandler call for an outcome that was not recorded")
}

func testConsumerExactlyOnce(t *testing.T, d Driver) {
	t.Parallel()
	const (
		tasks     = 2000
		consumers = 3
	)
	b := setupConsumer(t, d)
	batch := make([]*asynqpg.Task, tasks)
	for i := range batch {
		batch[i] = asynqpg.NewTask("once", []byte{})
	}
	ids, err := b.Producer.EnqueueMany(context.Background(), batch)
	require.NoError(t, err)
	require.Len(t, ids, tasks)

	runs := newRunLog()
	for range consumers {
		b.start(t, b.config(), func(c *consumer.Consumer) {
			handle(t, c, "once", func(ctx context.Context, task *asynqpg.TaskInfo) error {
				runs.add(ctx, task)
				return nil
			}, consumer.WithWorkersCount(8))
		})
	}
	require.Eventually(t, func() bool { return b.countStatus(t, "once", asynqpg.TaskStatusCompleted) == tasks },
		time.Minute, 50*time.Millisecond)
	for _, id := range ids {
		require.Len(t, runs.of(id), 1, "task %d", id)
	}
}

func testConsumerExpiredLease(t *testing.T, d Driver) {
	t.Parallel()
	b := setupConsumer(t, d)
	var id int64
	// A consumer died while running the task: its lease passed.
	require.NoError(t, b.Check.QueryRowContext(context.Background(), `
		INSERT INTO asynqpg_tasks (type, payload, status, attempts_left, attempted_at, blocked_till)
		VALUES ('orphan', '\x', 'running', 3, now() - interval '1 minute', now() - interval '1 second')
		RETURNING id`).Scan(&id))
	runs := b.serve(t, b.config(), "orphan", func(context.Context, int) error { return nil })
	s := b.waitStatus(t, id, asynqpg.TaskStatusCompleted)
	requireAttempts(t, s, 2, 1, "the lost attempt counts")
	require.Len(t, s.Messages, 1)
	got := runs.of(id)
	require.Len(t, got, 1)
	require.Equal(t, 1, got[0].Task.AttemptsElapsed)
	require.Equal(t, 1, got[0].Meta.RetryCount)
	require.Equal(t, 3, got[0].Meta.MaxRetry)
}

// testConsumerLostLastAttempt checks that a task whose last attempt was
// lost does not stay running when no consumer takes part in maintenance:
// a consumer with DisableMaintenance that serves its type fails it, as the
// leader's rescuer would, and calls the ErrorHandler once. A task of a type
// it does not serve is left alone.
func testConsumerLostLastAttempt(t *testing.T, d Driver) {
	t.Parallel()
	b := setupConsumer(t, d)
	insert := func(typ string) int64 {
		var id int64
		require.NoError(t, b.Check.QueryRowContext(context.Background(), `
			INSERT INTO asynqpg_tasks (type, payload, status, attempts_left, attempts_elapsed, attempted_at, blocked_till)
			VALUES ($1, '\x', 'running', 1, 2, now() - interval '1 minute', now() - interval '1 second')
			RETURNING id`, typ).Scan(&id))
		return id
	}
	lost, other := insert("lastlost"), insert("lastlost:other")
	cfg := b.config() // DisableMaintenance
	cfg.JanitorInterval = 100 * time.Millisecond
	cfg.StuckThreshold = time.Millisecond
	runs := b.serve(t, cfg, "lastlost", func(context.Context, int) error { return nil })
	s := b.waitStatus(t, lost, asynqpg.TaskStatusFailed)
	requireAttempts(t, s, 0, 3, "the lost attempt counts")
	require.NotNil(t, s.FinalizedAt)
	calls := b.Errors.waitCalls(t, 1)
	require.Equal(t, lost, calls[0].Task.ID)
	require.ErrorIs(t, calls[0].Err, engine.ErrAttemptStuck)
	require.Empty(t, runs.of(lost), "a lost last attempt is not run again")
	require.Equal(t, asynqpg.TaskStatusRunning, b.stored(t, other).Status, "not a type of this consumer")
}
