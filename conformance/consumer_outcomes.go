package conformance

import "context"
import "fmt"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"

// Outcomes: what a handler's result does to its task.

func testConsumerRunsTasks(t *testing.T, d Driver) {
	t.Parallel()
	b := setupConsumer(t, d)
	runs := b.serve(t, b.config(), "work", func(context.Context, int) error { return nil })
	id := b.enqueueTask(t, asynqpg.NewTask("work", []byte("hello"),
		asynqpg.WithMaxRetry(4), asynqpg.WithIdempotencyToken("tok-1")))
	s := b.waitStatus(t, id, asynqpg.TaskStatusCompleted)
	require.NotNil(t, s.FinalizedAt)
	requireAttempts(t, s, 4, 0)
	require.Empty(t, s.Messages)

	got := runs.of(id)
	require.Len(t, got, 1)
	r := got[0]
	require.Equal(t, id, r.Task.ID)
	require.Equal(t, "work", r.Task.Type)
	require.Equal(t, []byte("hello"), r.Task.Payload)
	require.NotNil(t, r.Task.IdempotencyToken)
	require.Equal(t, "tok-1", *r.Task.IdempotencyToken)
	require.Equal(t, 4, r.Task.AttemptsLeft)
	require.Equal(t, 0, r.Task.AttemptsElapsed)
	require.Empty(t, r.Task.Messages)
	require.True(t, s.CreatedAt.Equal(r.Task.CreatedAt))
	require.NotNil(t, r.Task.AttemptedAt)
	require.True(t, s.AttemptedAt.Equal(*r.Task.AttemptedAt))
	require.True(t, r.OK, "the handler's context carries the task's metadata")
	require.Equal(t, id, r.Meta.ID)
	require.Equal(t, 0, r.Meta.RetryCount)
	require.Equal(t, 4, r.Meta.MaxRetry)
	require.True(t, s.CreatedAt.Equal(r.Meta.CreatedAt))
	require.Empty(t, b.Errors.Calls())
}

func testConsumerRetriesThenSucceeds(t *testing.T, d Driver) {
	t.Parallel()
	eachCompleter(t, d, func(t *testing.T, b *consumerBundle, cfg consumer.Config) {
		runs := b.serve(t, cfg, "flaky", func(_ context.Context, n int) error {
			if n <= 2 {
				return fmt.Errorf("attempt %d failed", n)
			}
			return nil
		})
		id := b.enqueueTask(t, asynqpg.NewTask("flaky", []byte{}, asynqpg.WithMaxRetry(3)))
		s := b.waitStatus(t, id, asynqpg.TaskStatusCompleted)
		requireAttempts(t, s, 1, 2)
		require.Equal(t, []string{"attempt 1 failed", "attempt 2 failed"}, s.Messages)
		got := runs.of(id)
		require.Len(t, got, 3)
		for i, r := range got {
			require.Equal(t, i, r.Task.AttemptsElapsed, "run %d", i)
			require.Equal(t, 3-i, r.Task.AttemptsLeft, "run %d", i)
			require.Equal(t, i, r.Meta.RetryCount, "run %d", i)
			require.Equal(t, 3, r.Meta.MaxRetry, "run %d", i)
			require.Len(t, r.Task.Messages, i)
		}
		require.Empty(t, b.Errors.Calls())
	})
}

func testConsumerExhaustion(t *testing.T, d Driver) {
	t.Parallel()
	eachCompleter(t, d, func(t *testing.T, b *consumerBundle, cfg consumer.Config) {
		runs := b.serve(t, cfg, "doomed", func(_ context.Context, n int) error {
			return fmt.Errorf("failure %d", n)
		})
		id := b.enqueueTask(t, asynqpg.NewTask("doomed", []byte{}, asynqpg.WithMaxRetry(3)))
		s := b.waitStatus(t, id, asynqpg.TaskStatusFailed)
		requireAttempts(t, s, 0, 3)
		require.Equal(t, []string{"failure 1", "failure 2", "failure 3"}, s.Messages)
		require.NotNil(t, s.FinalizedAt)
		require.Len(t, runs.of(id), 3)
		calls := b.Errors.waitCalls(t, 1)
		require.Equal(t, id, calls[0].Task.ID)
		require.EqualError(t, calls[0].Err, "failure 3")
	})
}

func testConsumerSkipRetry(t *testing.T, d Driver) {
	t.Parallel()
	b := setupConsumer(t, d)
	runs := b.serve(t, b.config(), "reject", func(context.Context, int) error {
		return fmt.Errorf("invalid payload: %w", asynqpg.ErrSkipRetry)
	})
	id := b.enqueueTask(t, asynqpg.NewTask("reject", []byte{}, asynqpg.WithMaxRetry(5)))
	s := b.waitStatus(t, id, asynqpg.TaskStatusFailed)
	requireAttempts(t, s, 4, 1)
	require.Equal(t, []string{"invalid payload: skip retry for the task"}, s.Messages)
	require.Len(t, runs.of(id), 1)
	calls := b.Errors.waitCalls(t, 1)
	require.Equal(t, id, calls[0].Task.ID)
	require.ErrorIs(t, calls[0].Err, asynqpg.ErrSkipRetry)
}

func testConsumerPanic(t *testing.T, d Driver) {
	t.Parallel()
	b := setupConsumer(t, d)
	runs := newRunLog()
	b.start(t, b.config(), func(c *consumer.Consumer) {
		handle(t, c, "explode", func(ctx context.Context, task *asynqpg.TaskInfo) error {
			runs.add(ctx, task)
			panic("kaboom")
		})
		handle(t, c, "fine", func(context.Context, *asynqpg.TaskInfo) error { return nil })
	})
	id := b.enqueueTask(t, asynqpg.NewTask("explode", []byte{}, asynqpg.WithMaxRetry(5)))
	s := b.waitStatus(t, id, asynqpg.TaskStatusFailed)
	requireAttempts(t, s, 4, 1)
	require.Len(t, s.Messages, 1)
	require.Contains(t, s.Messages[0], "kaboom")
	require.Len(t, runs.of(id), 1)
	calls := b.Errors.waitCalls(t, 1)
	require.Equal(t, id, calls[0].Task.ID)
	require.ErrorContains(t, calls[0].Err, "kaboom")

	// The consumer survives the panic.
	fine := b.enqueueTask(t, asynqpg.NewTask("fine", []byte{}))
	b.waitStatus(t, fine, asynqpg.TaskStatusCompleted)
}

func testConsumerSnooze(t *testing.T, d Driver) {
	t.Parallel()
	const snooze = 500 * time.Millisecond
	b := setupConsumer(t, d)
	runs := b.serve(t, b.config(), "nap", func(_ context.Context, n int) error {
		if n == 1 {
			return asynqpg.TaskSnooze(snooze)
		}
		return nil
	})
	id := b.enqueueTask(t, asynqpg.NewTask("nap", []byte{}, asynqpg.WithMaxRetry(1)))
	s := b.waitStatus(t, id, asynqpg.TaskStatusCompleted)
	requireAttempts(t, s, 1, 0, "a snooze is not an attempt")
	require.Empty(t, s.Messages)
	got := runs.of(id)
	require.Len(t, got, 2)
	require.Equal(t, 0, got[1].Task.AttemptsElapsed)
	require.Equal(t, 1, got[1].Task.AttemptsLeft)
	gap := got[1].Task.AttemptedAt.Sub(*got[0].Task.AttemptedAt)
	require.GreaterOrEqual(t, gap, snooze, "not run again before the snooze passed (database clock)")
	require.Empty(t, b.Errors.Calls())
}

func testConsumerSnoozeWithError(t *testing.T, d Driver) {
	t.Parallel()
	const snooze = 200 * time.Millisecond
	b := setupConsumer(t, d)
	runs := b.serve(t, b.config(), "later", func(context.Context, int) error {
		return fmt.Errorf("api unavailable: %w", asynqpg.TaskSnoozeWithError(snooze))
	})
	id := b.enqueueTask(t, asynqpg.NewTask("later", []byte{}, asynqpg.WithMaxRetry(2)))
	s := b.waitStatus(t, id, asynqpg.TaskStatusFailed)
	requireAttempts(t, s, 0, 2)
	want := "api unavailable: " + asynqpg.TaskSnoozeWithError(snooze).Error()
	require.Equal(t, []string{want, want}, s.Messages)
	got := runs.of(id)
	require.Len(t, got, 2)
	require.Equal(t, 1, got[1].Task.AttemptsElapsed, "the snooze counted as an attempt")
	require.GreaterOrEqual(t, got[1].Task.AttemptedAt.Sub(*got[0].Task.AttemptedAt), snooze)
	calls := b.Errors.waitCalls(t, 1)
	require.Equal(t, id, calls[0].Task.ID)
	var snoozeErr *asynqpg.TaskSnoozeWithErrError
	require.ErrorAs(t, calls[0].Err, &snoozeErr)
}

func testConsumerTimeout(t *testing.T, d Driver) {
	t.Parallel()
	b := setupConsumer(t, d)
	deadlines := make(chan bool, 4)
	runs := b.serve(t, b.config(), "slow", func(ctx context.Context, _ int) error {
		_, ok := ctx.Deadline()
		deadlines <- ok
		<-ctx.Done()
		return ctx.Err()
	}, consumer.WithTimeout(300*time.Millisecond))
	id := b.enqueueTask(t, asynqpg.NewTask("slow", []byte{}, asynqpg.WithMaxRetry(2)))
	s := b.waitStatus(t, id, asynqpg.TaskStatusFailed)
	requireAttempts(t, s, 0, 2)
	require.Len(t, s.Messages, 2)
	for _, m := range s.Messages {
		require.Contains(t, m, "timeout")
	}
	require.True(t, <-deadlines, "the handler's context has a deadline")
	require.Len(t, runs.of(id), 2)
	calls := b.Errors.waitCalls(t, 1)
	require.ErrorIs(t, calls[0].Err, context.DeadlineExceeded)
}

func testConsumerDelayAndProcessAt(t *testing.T, d Driver) {
	t.Parallel()
	b := setupConsumer(t, d)
	b.start(t, b.config(), func(c *consumer.Consumer) {
		handle(t, c, "scheduled", func(context.Context, *asynqpg.TaskInfo) error { return nil })
	})
	delayed := b.enqueueTask(t, asynqpg.NewTask("scheduled", []byte{}, asynqpg.WithDelay(2*time.Second)))
	at := asynqpg.NewTask("scheduled", []byte{})
	at.ProcessAt = b.dbNow(t).Add(2 * time.Second)
	processAt := b.enqueueTask(t, at)
	ready := map[int64]time.Time{}
	for _, id := range []int64{delayed, processAt} {
		s := b.stored(t, id)
		require.Equal(t, asynqpg.TaskStatusPending, s.Status)
		ready[id] = s.BlockedTill
	}
	require.True(t, ready[processAt].Equal(at.ProcessAt.Truncate(time.Microsecond)))
	for _, id := range []int64{delayed, processAt} {
		s := b.waitStatus(t, id, asynqpg.TaskStatusCompleted)
		require.NotNil(t, s.AttemptedAt)
		require.False(t, s.AttemptedAt.Before(ready[id]),
			"task %d ran at %v, before it was ready at %v", id, *s.AttemptedAt, ready[id])
	}
}
