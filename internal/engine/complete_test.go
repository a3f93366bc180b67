package engine

import "context"
import "errors"
import "log/slog"
import "strings"
import "sync"
import "sync/atomic"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"

// flakyRecorder fails the first failures outcome writes, or every one
// when failures is negative, with err (a connection reset when nil).
type flakyRecorder struct {
	driver.Executor
	failures atomic.Int64
	tries    atomic.Int64
	err      error
}

// deadlockError is the error of a statement the database ended as a
// deadlock victim.
type deadlockError struct{}

func (deadlockError) Error() string    { return "ERROR: deadlock detected (SQLSTATE 40P01)" }
func (deadlockError) SQLState() string { return driver.CodeDeadlockDetected }

func (e *flakyRecorder) Query(ctx context.Context, sql string, args ...any) (driver.Rows, error) {
	if isOutcomeWrite(sql) {
		e.tries.Add(1)
		if n := e.failures.Load(); n != 0 {
			e.failures.Add(-1)
			if e.err != nil {
				return nil, e.err
			}
			return nil, errors.New("connection reset by peer")
		}
	}
	return e.Executor.Query(ctx, sql, args...)
}

// hookLog records what a completer reported.
type hookLog struct {
	mu        sync.Mutex
	applied   map[AttemptKey]bool
	abandoned []AttemptKey
	failures  int
}

func newHookLog() *hookLog { return &hookLog{applied: map[AttemptKey]bool{}} }

func (h *hookLog) hooks() completerHooks {
	return completerHooks{
		written: func(o *outcome, applied bool) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.applied[o.rec.Attempt] = applied
		},
		abandoned: func(os []*outcome) {
			h.mu.Lock()
			defer h.mu.Unlock()
			for _, o := range os {
				h.abandoned = append(h.abandoned, o.rec.Attempt)
			}
		},
		failed: func(error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.failures++
		},
	}
}

// claimOutcomes claims n tasks of typ and returns completion outcomes for
// them.
func (b *procBundle) claimOutcomes(t *testing.T, typ string, n int) []*outcome {
	t.Helper()
	b.insertMany(t, typ, n)
	claimed, err := ClaimTasks(context.Background(), b.ex, typ, n, time.Minute)
	require.NoError(t, err)
	require.Len(t, claimed, n)
	out := make([]*outcome, n)
	for i, c := range claimed {
		out[i] = &outcome{
			rec: OutcomeRecord{Attempt: c.Attempt, Decision: Decision{Status: outcomeCompleted}},
			a:   &attempt{task: c.Task, key: c.Attempt},
		}
	}
	return out
}

func TestCompletersRetryFailedWrites(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		make func(driver.Executor, completerHooks) completer
	}{
		{"batch", func(ex driver.Executor, h completerHooks) completer {
			return newBatchCompleter(ex, slog.New(slog.DiscardHandler), h)
		}},
		{"sync", func(ex driver.Executor, h completerHooks) completer {
			return newSyncCompleter(ex, slog.New(slog.DiscardHandler), h)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupProc(t)
			outs := b.claimOutcomes(t, "flaky", 5)
			ex := &flakyRecorder{Executor: b.ex}
			ex.failures.Store(3)
			log := newHookLog()
			c := tt.make(ex, log.hooks())
			var wg sync.WaitGroup
			for _, o := range outs {
				wg.Go(func() { require.True(t, c.submit(o)) })
			}
			wg.Wait()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c.stop(ctx)

			require.Equal(t, 5, b.countStatus(t, "flaky", asynqpg.TaskStatusCompleted), "no outcome lost")
			log.mu.Lock()
			defer log.mu.Unlock()
			require.Len(t, log.applied, 5)
			for _, o := range outs {
				require.True(t, log.applied[o.rec.Attempt])
			}
			require.Empty(t, log.abandoned)
			require.Equal(t, 3, log.failures)
			require.False(t, c.submit(outs[0]), "a stopped completer takes nothing")
		})
	}
}

// A write the database ended as a deadlock victim is written again at
// once, not after the back-off of other failures.
func TestCompleterRetriesDeadlockAtOnce(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	outs := b.claimOutcomes(t, "deadlock", 1)
	ex := &flakyRecorder{Executor: b.ex, err: deadlockError{}}
	ex.failures.Store(3)
	logger, buf := bufferLogger()
	log := newHookLog()
	c := newSyncCompleter(ex, logger, log.hooks())
	require.True(t, c.submit(outs[0]))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c.stop(ctx)

	require.Equal(t, 1, b.countStatus(t, "deadlock", asynqpg.TaskStatusCompleted), "no outcome lost")
	require.EqualValues(t, 4, ex.tries.Load())
	require.Equal(t, 3, strings.Count(buf.String(), "retry_in=0s"), buf.String())
}

// submitAndStop hands outs to a new batch completer on ex, then stops it
// with a deadline of within; it returns what the completer's hooks saw.
func submitAndStop(t *testing.T, ex driver.Executor, outs []*outcome, within time.Duration) *hookLog {
	t.Helper()
	log := newHookLog()
	c := newBatchCompleter(ex, slog.New(slog.DiscardHandler), log.hooks())
	for _, o := range outs {
		require.True(t, c.submit(o))
	}
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	c.stop(ctx)
	return log
}

func TestBatchCompleterGivesUpAtStopDeadline(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	outs := b.claimOutcomes(t, "gone", 3)
	ex := &flakyRecorder{Executor: b.ex}
	ex.failures.Store(-1) // the database is gone for good
	began := time.Now()
	log := submitAndStop(t, ex, outs, 300*time.Millisecond)
	require.Less(t, time.Since(began), 10*time.Second, "stop is bounded")

	require.Equal(t, 3, b.countStatus(t, "gone", asynqpg.TaskStatusRunning), "the tasks stay running until their leases pass")
	log.mu.Lock()
	defer log.mu.Unlock()
	require.ElementsMatch(t, []AttemptKey{outs[0].rec.Attempt, outs[1].rec.Attempt, outs[2].rec.Attempt}, log.abandoned)
	require.Empty(t, log.applied)
	require.Greater(t, ex.tries.Load(), int64(1), "writes were retried")
}

func TestBatchCompleterSharesStatements(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	outs := b.claimOutcomes(t, "share", 250)
	ex := &recordCounter{Executor: b.ex}
	submitAndStop(t, ex, outs, 30*time.Second)
	require.Equal(t, 250, b.countStatus(t, "share", asynqpg.TaskStatusCompleted))
	require.LessOrEqual(t, ex.records.Load(), int64(10), "250 outcomes handed over at once take a few statements")
}
