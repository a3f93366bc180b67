package engine

import "context"
import "errors"
import "sync"
import "sync/atomic"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"

func TestNewProcessorValidates(t *testing.T) {
	t.Parallel()
	ok := func(context.Context, *asynqpg.TaskInfo) error { return nil }
	ex := driver.NewStdExecutor(nil)
	tests := []struct {
		name string
		cfg  ProcessorConfig
		want string
	}{
		{"no executor", ProcessorConfig{Types: []TypeConfig{typeOf("a", ok)}}, "Executor is required"},
		{"no types", ProcessorConfig{Executor: ex}, "no task types"},
		{"empty type", ProcessorConfig{Executor: ex, Types: []TypeConfig{typeOf("", ok)}}, "empty task type"},
		{"twice", ProcessorConfig{Executor: ex, Types: []TypeConfig{typeOf("a", ok), typeOf("a", ok)}}, "given twice"},
		{"nil handler", ProcessorConfig{Executor: ex, Types: []TypeConfig{typeOf("a", nil)}}, "no handler"},
		{"zero workers", ProcessorConfig{Executor: ex, Types: []TypeConfig{{Type: "a", Handler: ok, Timeout: time.Second}}}, "workers must be positive"},
		{"zero timeout", ProcessorConfig{Executor: ex, Types: []TypeConfig{{Type: "a", Handler: ok, Workers: 1}}}, "timeout must be positive"},
		{"negative max attempts", ProcessorConfig{Executor: ex, Types: []TypeConfig{{Type: "a", Handler: ok, Workers: 1, Timeout: time.Second, MaxAttempts: -1}}}, "max attempts"},
		{"negative fetch interval", ProcessorConfig{Executor: ex, Types: []TypeConfig{typeOf("a", ok)}, FetchInterval: -1}, "FetchInterval must not be negative"},
		{"negative cancel check", ProcessorConfig{Executor: ex, Types: []TypeConfig{typeOf("a", ok)}, CancelCheckInterval: -1}, "CancelCheckInterval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewProcessor(tt.cfg)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestProcessorRunsTasks(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	var (
		mu    sync.Mutex
		metas = map[int64]asynqpg.TaskMetadata{}
		infos = map[int64]asynqpg.TaskInfo{}
	)
	h := func(ctx context.Context, task *asynqpg.TaskInfo) error {
		meta, ok := asynqpg.GetTaskMetadata(ctx)
		if !ok {
			return errors.New("no metadata")
		}
		mu.Lock()
		metas[task.ID] = meta
		infos[task.ID] = *task
		mu.Unlock()
		return nil
	}
	// Tasks are in place, history included, before the processor starts.
	ida := b.insertReady(t, "a", 3)
	idb := b.insertReady(t, "b", 5)
	b.exec(t, `UPDATE asynqpg_tasks SET attempts_elapsed = 2 WHERE id = $1`, idb)
	testProcessor(t, b, nil, ProcessorConfig{Types: []TypeConfig{typeOf("a", h), typeOf("b", h)}})
	ra := b.waitStatus(t, ida, asynqpg.TaskStatusCompleted)
	rb := b.waitStatus(t, idb, asynqpg.TaskStatusCompleted)
	require.NotNil(t, ra.FinalizedAt)
	require.Equal(t, 3, ra.AttemptsLeft)
	require.Equal(t, 0, ra.AttemptsElapsed)
	require.Equal(t, 2, rb.AttemptsElapsed)

	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, asynqpg.TaskMetadata{ID: ida, RetryCount: 0, MaxRetry: 3, CreatedAt: ra.CreatedAt}, metas[ida])
	require.Equal(t, asynqpg.TaskMetadata{ID: idb, RetryCount: 2, MaxRetry: 7, CreatedAt: rb.CreatedAt}, metas[idb])
	require.Equal(t, "a", infos[ida].Type)
	require.Equal(t, []byte{1}, infos[ida].Payload)
	require.Equal(t, 3, infos[ida].AttemptsLeft)
	require.Equal(t, *ra.AttemptedAt, *infos[ida].AttemptedAt)
}

func TestProcessorBacklogDoesNotWaitForPoll(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	const n = 60
	b.insertMany(t, "backlog", n)
	var ran atomic.Int64
	// The poll interval is far longer than the test: only refetching as
	// workers free up can run every task.
	testProcessor(t, b, pollOnly{b.ex}, ProcessorConfig{
		FetchInterval: time.Hour,
		Types: []TypeConfig{{Type: "backlog", Workers: 3, Timeout: 10 * time.Second,
			Handler: func(context.Context, *asynqpg.TaskInfo) error {
				ran.Add(1)
				return nil
			}}},
	})
	require.Eventually(t, func() bool { return b.countStatus(t, "backlog", asynqpg.TaskStatusCompleted) == n },
		eventually, tick)
	require.EqualValues(t, n, ran.Load())
}

func TestProcessorPollsWhenIdle(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	testProcessor(t, b, pollOnly{b.ex}, ProcessorConfig{
		Types: []TypeConfig{typeOf("poll", func(context.Context, *asynqpg.TaskInfo) error { return nil })},
	})
	// Inserted behind the processor's back (no notification), ready later.
	id := b.insertReady(t, "poll", 3)
	b.exec(t, `UPDATE asynqpg_tasks SET blocked_till = now() + interval '300 milliseconds' WHERE id = $1`, id)
	b.waitStatus(t, id, asynqpg.TaskStatusCompleted)
}

func TestProcessorWakesOnNotification(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	testProcessor(t, b, nil, ProcessorConfig{
		FetchInterval: time.Hour,
		Types:         []TypeConfig{typeOf("wake", func(context.Context, *asynqpg.TaskInfo) error { return nil })},
	})
	require.Eventually(t, func() bool { return b.listenerBackends(t) == 1 }, eventually, tick)
	id, _, err := InsertTask(context.Background(), b.ex, NewTask{Type: "wake", Payload: []byte{}, Attempts: 3})
	require.NoError(t, err)
	b.waitStatus(t, id, asynqpg.TaskStatusCompleted)

	// The listener's connection dies: the processor listens again.
	b.exec(t, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query = $1`, `LISTEN "`+ChannelCancel+`"`)
	require.Eventually(t, func() bool { return b.listenerBackends(t) == 1 }, eventually, tick)
	id, _, err = InsertTask(context.Background(), b.ex, NewTask{Type: "wake", Payload: []byte{}, Attempts: 3})
	require.NoError(t, err)
	b.waitStatus(t, id, asynqpg.TaskStatusCompleted)
}

func TestProcessorListenerFailuresBackOff(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	ex := &failingListener{Executor: pollOnly{b.ex}}
	began := time.Now()
	testProcessor(t, b, ex, ProcessorConfig{
		Types: []TypeConfig{typeOf("nolisten", func(context.Context, *asynqpg.TaskInfo) error { return nil })},
	})
	// The consumer polls meanwhile.
	id := b.insertReady(t, "nolisten", 3)
	b.waitStatus(t, id, asynqpg.TaskStatusCompleted)
	// The sleep is the behaviour under test: time passes for the listener
	// to retry, and the retries counted must fit the back-off.
	time.Sleep(time.Second)
	calls := ex.calls.Load()
	elapsed := time.Since(began)

	// The waits double from listenRetryMin, each jittered down to half at
	// most: count the tries that fit in the time elapsed.
	allowed, delay, sum := int64(1), listenRetryMin, listenRetryMin/2
	for sum <= elapsed {
		allowed++
		delay = min(delay*2, listenRetryMax)
		sum += delay / 2
	}
	require.LessOrEqual(t, calls, allowed, "tries in %v: backoff, not a spin", elapsed)
	require.GreaterOrEqual(t, calls, int64(2), "the listener is tried again")
}

func TestProcessorBatchesOutcomes(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		disableBatch bool
	}{
		"batch completer":           {},
		"one statement per outcome": {disableBatch: true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setupProc(t)
			const n = 120
			b.insertMany(t, "batch", n)
			ex := &recordCounter{Executor: pollOnly{b.ex}}
			testProcessor(t, b, ex, ProcessorConfig{
				DisableBatchCompleter: tt.disableBatch,
				Types: []TypeConfig{{Type: "batch", Workers: 40, Timeout: 10 * time.Second,
					Handler: func(context.Context, *asynqpg.TaskInfo) error { return nil }}},
			})
			require.Eventually(t, func() bool { return b.countStatus(t, "batch", asynqpg.TaskStatusCompleted) == n },
				eventually, tick)
			if tt.disableBatch {
				require.EqualValues(t, n, ex.records.Load())
			} else {
				require.Less(t, ex.records.Load(), int64(n/2), "outcomes share statements")
			}
		})
	}
}

func TestProcessorRetriesThenFails(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	var (
		calls  atomic.Int64
		mu     sync.Mutex
		failed []error
	)
	testProcessor(t, b, nil, ProcessorConfig{
		ErrorHandler: asynqpg.ErrorHandlerFunc(func(_ context.Context, _ *asynqpg.TaskInfo, err error) {
			mu.Lock()
			failed = append(failed, err)
			mu.Unlock()
		}),
		Types: []TypeConfig{typeOf("retry", func(context.Context, *asynqpg.TaskInfo) error {
			calls.Add(1)
			return errors.New("boom")
		})},
	})
	id := b.insertReady(t, "retry", 3)
	requireAttempts(t, rowAttempts{asynqpg.TaskStatusFailed, 0, 3, []string{"boom", "boom", "boom"}},
		b.waitStatus(t, id, asynqpg.TaskStatusFailed))
	require.EqualValues(t, 3, calls.Load())
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(failed) == 1
	}, eventually, tick)
}

func TestProcessorStaleOutcomeIsNotReported(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	started := make(chan int64, 1)
	release := make(chan struct{})
	var reported atomic.Int64
	p := testProcessor(t, b, pollOnly{b.ex}, ProcessorConfig{
		CancelCheckInterval: time.Hour, // the processor does not notice the change
		ErrorHandler: asynqpg.ErrorHandlerFunc(func(context.Context, *asynqpg.TaskInfo, error) {
			reported.Add(1)
		}),
		Types: []TypeConfig{typeOf("stale", func(_ context.Context, task *asynqpg.TaskInfo) error {
			started <- task.ID
			<-release
			return asynqpg.ErrSkipRetry
		})},
	})
	id := b.insertReady(t, "stale", 3)
	require.Equal(t, id, <-started)
	// Another consumer took the task over after a lease expiry.
	b.exec(t, `UPDATE asynqpg_tasks SET attempted_at = attempted_at + interval '1 second' WHERE id = $1`, id)
	close(release)
	require.NoError(t, p.Stop(5*time.Second)) // writes every outcome handed over
	r := b.row(t, id)
	require.Equal(t, asynqpg.TaskStatusRunning, r.Status, "the stale attempt wrote nothing")
	require.Equal(t, 0, r.AttemptsElapsed)
	require.Zero(t, reported.Load())
}

func TestProcessorCancelRunningTask(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		listen bool
		check  time.Duration
	}{
		"notification": {listen: true, check: time.Hour},
		"polling":      {listen: false, check: 100 * time.Millisecond},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setupProc(t)
			var ex driver.Executor = pollOnly{b.ex}
			if tt.listen {
				ex = b.ex
			}
			started := make(chan struct{}, 1)
			cancelled := make(chan error, 1)
			p := testProcessor(t, b, ex, ProcessorConfig{
				CancelCheckInterval: tt.check,
				Types: []TypeConfig{typeOf("cancel", func(ctx context.Context, _ *asynqpg.TaskInfo) error {
					started <- struct{}{}
					<-ctx.Done()
					cancelled <- ctx.Err()
					return nil // the task stays cancelled whatever the handler returns
				})},
			})
			if tt.listen {
				require.Eventually(t, func() bool { return b.listenerBackends(t) == 1 }, eventually, tick)
			}
			id := b.insertReady(t, "cancel", 3)
			<-started
			_, err := CancelTask(context.Background(), b.ex, id)
			require.NoError(t, err)
			select {
			case err := <-cancelled:
				require.ErrorIs(t, err, context.Canceled)
			case <-time.After(eventually):
				t.Fatal("the handler's context was not cancelled")
			}
			require.NoError(t, p.Stop(5*time.Second)) // writes every outcome handed over
			r := b.row(t, id)
			require.Equal(t, asynqpg.TaskStatusCancelled, r.Status)
			require.Equal(t, 0, r.AttemptsElapsed)
		})
	}
}

func TestProcessorTimeout(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	testProcessor(t, b, nil, ProcessorConfig{
		Types: []TypeConfig{{Type: "slow", Workers: 1, Timeout: 200 * time.Millisecond,
			Handler: func(ctx context.Context, _ *asynqpg.TaskInfo) error {
				<-ctx.Done()
				return ctx.Err()
			}}},
	})
	id := b.insertReady(t, "slow", 1)
	r := b.waitStatus(t, id, asynqpg.TaskStatusFailed)
	require.Len(t, r.Messages, 1)
	require.Contains(t, r.Messages[0], "timeout")
}

func TestProcessorPanic(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	var got atomic.Value
	testProcessor(t, b, nil, ProcessorConfig{
		ErrorHandler: asynqpg.ErrorHandlerFunc(func(_ context.Context, _ *asynqpg.TaskInfo, err error) {
			got.Store(err)
		}),
		Types: []TypeConfig{typeOf("panic", func(context.Context, *asynqpg.TaskInfo) error {
			panic("kaboom")
		})},
	})
	id := b.insertReady(t, "panic", 5)
	r := b.waitStatus(t, id, asynqpg.TaskStatusFailed)
	require.Equal(t, 4, r.AttemptsLeft)
	require.Equal(t, 1, r.AttemptsElapsed)
	require.Len(t, r.Messages, 1)
	require.Contains(t, r.Messages[0], "kaboom")
	require.Eventually(t, func() bool { return got.Load() != nil }, eventually, tick)
	var pe *PanicError
	require.ErrorAs(t, got.Load().(error), &pe)
	require.Equal(t, "kaboom", pe.Value)
}
