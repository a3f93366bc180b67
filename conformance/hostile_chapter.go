package conformance

import "context"
import "errors"
import "math"
import "strings"
import "sync/atomic"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/internal/engine"
import "github.com/yakser/asynqpg/producer"

// The hostile chapter proves, through the entry, the rule of
// docs/GUARANTEES.md: nothing a caller passes — a value, a handler's
// return, a panic, an error type — crashes the consumer, runs a task
// again without a fault, or leaves the caller's transaction aborted; a
// refused call writes nothing and names the value it refused.

// runHostileChapter runs the hostile chapter against d.
func runHostileChapter(t *testing.T, d Driver) {
	runSections(t, d, []section{
		{"ProducerLimits", testHostileProducer},
		{"InstantsExact", testHostileInstants},
	}, []section{
		{"HandlerResults", testHostileResults},
		{"ConsumerSetup", testHostileSetup},
	})
}

// derefError is an error type whose Error dereferences its receiver: a
// typed nil *derefError returned as an error panics when read.
type derefError struct{ text string }

func (e *derefError) Error() string { return e.text }

// panickyError panics in Error.
type panickyError struct{}

func (panickyError) Error() string { panic("Error exploded") }

// panickyIs panics when errors.Is or errors.As asks it.
type panickyIs struct{}

func (panickyIs) Error() string { return "panicky Is" }
func (panickyIs) Is(error) bool { panic("Is exploded") }
func (panickyIs) As(any) bool   { panic("As exploded") }

func testHostileProducer(t *testing.T, d Driver) {
	t.Parallel()
	b := setupAPI(t, d, producer.Config{})
	ctx := opContext(t)
	tx := b.Begin(t)
	good := asynqpg.NewTask("hostile", []byte{})
	tests := []struct {
		name string
		task *asynqpg.Task
		want string
	}{
		{"token over the index limit", asynqpg.NewTask("hostile", []byte{},
			asynqpg.WithIdempotencyToken(strings.Repeat("k", producer.MaxIdempotencyTokenLength+1))),
			"exceeds MaxIdempotencyTokenLength"},
		{"token with a NUL byte", asynqpg.NewTask("hostile", []byte{}, asynqpg.WithIdempotencyToken("a\x00b")),
			"not valid UTF-8 text without NUL bytes"},
		{"process at past year 9999", &asynqpg.Task{Type: "hostile", Payload: []byte{},
			ProcessAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, "outside the years 1 to 9999"},
		{"process at overflowing Unix microseconds", &asynqpg.Task{Type: "hostile", Payload: []byte{},
			ProcessAt: time.Unix(math.MaxInt64/1000, 0)}, "outside the years 1 to 9999"},
		{"delay over the limit", &asynqpg.Task{Type: "hostile", Payload: []byte{}, Delay: math.MaxInt64},
			"exceeds the longest delay"},
		{"max retry over the column", asynqpg.NewTask("hostile", []byte{}, asynqpg.WithMaxRetry(math.MaxInt32+1)),
			"exceeds"},
	}
	for _, tt := range tests {
		_, err := b.Producer.EnqueueTx(ctx, tx.Querier, tt.task)
		require.ErrorIs(t, err, producer.ErrInvalidTask, tt.name)
		require.ErrorContains(t, err, tt.want, tt.name)
		_, err = b.Producer.EnqueueManyTx(ctx, tx.Querier, []*asynqpg.Task{good, tt.task})
		require.ErrorIs(t, err, producer.ErrInvalidTask, tt.name)
		require.ErrorContains(t, err, "index 1", tt.name)
	}
	var noContext context.Context // a caller's nil context is refused, not dereferenced
	for name, call := range map[string]func() error{
		"Enqueue":     func() error { _, err := b.Producer.Enqueue(noContext, good); return err },
		"EnqueueTx":   func() error { _, err := b.Producer.EnqueueTx(noContext, tx.Querier, good); return err },
		"EnqueueMany": func() error { _, err := b.Producer.EnqueueMany(noContext, []*asynqpg.Task{good}); return err },
		"GetTask":     func() error { _, err := b.Client.GetTask(noContext, 1); return err },
		"CancelTask":  func() error { _, err := b.Client.CancelTask(noContext, 1); return err },
		"ListTasks":   func() error { _, err := b.Client.ListTasks(noContext, nil); return err },
	} {
		require.EqualError(t, call(), "context cannot be nil", name)
	}
	// The caller's transaction is still usable: nothing reached it.
	_, err := b.Producer.EnqueueTx(ctx, tx.Querier, good)
	require.NoError(t, err, "the transaction is not aborted")
	require.NoError(t, tx.Commit(ctx))
	require.Equal(t, 1, b.countType(t, "hostile"), "only the good task was written")
}

func testHostileInstants(t *testing.T, d Driver) {
	t.Parallel()
	b := setupAPI(t, d, producer.Config{})
	for _, at := range []time.Time{
		time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Date(2300, 6, 1, 12, 0, 0, 123456789, time.FixedZone("X", -7*3600)),
		time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC),
	} {
		want := at.UTC().Truncate(time.Microsecond)
		id, err := b.enqueue(t, &asynqpg.Task{Type: "instant", Payload: []byte{}, ProcessAt: at})
		require.NoError(t, err)
		require.True(t, want.Equal(b.stored(t, id).BlockedTill), "single %v: stored %v", want, b.stored(t, id).BlockedTill)
		ids, err := b.enqueueMany(t, []*asynqpg.Task{{Type: "instant", Payload: []byte{}, ProcessAt: at}})
		require.NoError(t, err)
		require.True(t, want.Equal(b.stored(t, ids[0]).BlockedTill), "batch %v: stored %v", want, b.stored(t, ids[0]).BlockedTill)
	}
}

func testHostileResults(t *testing.T, d Driver) {
	t.Parallel()
	b := setupConsumer(t, d)
	var typedNil *derefError
	results := map[string]func(*asynqpg.TaskInfo) error{
		"typed nil":     func(*asynqpg.TaskInfo) error { return typedNil },
		"panicky error": func(*asynqpg.TaskInfo) error { return panickyError{} },
		"panicky is":    func(*asynqpg.TaskInfo) error { return panickyIs{} },
		"panic nil":     func(*asynqpg.TaskInfo) error { panic(nil) },
		"panic error":   func(*asynqpg.TaskInfo) error { panic(panickyError{}) },
		// Raising its own attempts does not keep a failed last attempt alive.
		"raised attempts": func(task *asynqpg.TaskInfo) error {
			task.AttemptsLeft, task.AttemptsElapsed = 100, -5
			return errors.New("failed, with attempts raised")
		},
	}
	var runs atomic.Int64
	cfg := b.config()
	cfg.RetryPolicy = panickyPolicy{}
	b.start(t, cfg, func(c *consumer.Consumer) {
		for name, result := range results {
			handle(t, c, "hostile:"+name, func(_ context.Context, task *asynqpg.TaskInfo) error {
				runs.Add(1)
				return result(task)
			})
		}
		handle(t, c, "hostile:snooze", func(context.Context, *asynqpg.TaskInfo) error {
			return &asynqpg.TaskSnoozeError{Duration: math.MaxInt64}
		})
	})
	ids := map[string]int64{}
	for name := range results {
		ids[name] = b.enqueueTask(t, asynqpg.NewTask("hostile:"+name, []byte{}, asynqpg.WithMaxRetry(1)))
	}
	for name, id := range ids {
		s := b.waitStatus(t, id, asynqpg.TaskStatusFailed)
		require.Zero(t, s.AttemptsLeft, name)
		require.Equal(t, 1, s.AttemptsElapsed, name)
		require.Len(t, s.Messages, 1, name)
	}
	require.Contains(t, b.stored(t, ids["typed nil"]).Messages[0], "panicked")
	require.Contains(t, b.stored(t, ids["panicky error"]).Messages[0], "Error exploded")
	require.Len(t, b.Errors.waitCalls(t, len(results)), len(results), "one ErrorHandler call each")
	require.EqualValues(t, len(results), runs.Load(), "each task ran once")

	snoozed := b.enqueueTask(t, asynqpg.NewTask("hostile:snooze", []byte{}))
	require.Eventually(t, func() bool {
		s := b.stored(t, snoozed)
		return s.Status == asynqpg.TaskStatusPending && s.BlockedTill.After(b.dbNow(t).Add(engine.MaxDelay-time.Hour))
	}, consumerWait, consumerTick, "a snooze past MaxDelay is cut to it")
	// A retry whose policy panics: the consumer survives and fails the task.
	retried := b.enqueueTask(t, asynqpg.NewTask("hostile:raised attempts", []byte{}, asynqpg.WithMaxRetry(3)))
	s := b.waitStatus(t, retried, asynqpg.TaskStatusFailed)
	require.Contains(t, s.Messages[0], "panicked")
}

// panickyPolicy is a RetryPolicy that panics.
type panickyPolicy struct{}

func (panickyPolicy) NextRetry(int) time.Duration { panic("NextRetry exploded") }

func testHostileSetup(t *testing.T, d Driver) {
	t.Parallel()
	b := setupConsumer(t, d)
	ok := consumer.TaskHandlerFunc(func(context.Context, *asynqpg.TaskInfo) error { return nil })
	_, err := consumer.New(consumer.Config{Pool: b.Pool, ClientID: "a\x00b"})
	require.ErrorContains(t, err, "Config.ClientID")
	_, err = consumer.New(consumer.Config{Pool: b.Pool, DefaultTimeout: math.MaxInt64})
	require.ErrorContains(t, err, "Config.DefaultTimeout")
	_, err = consumer.New(consumer.Config{Pool: b.Pool, DefaultWorkersCount: math.MaxInt})
	require.ErrorContains(t, err, "Config.DefaultWorkersCount")

	c, err := consumer.New(b.config())
	require.NoError(t, err)
	for name, reg := range map[string]func() error{
		"huge timeout": func() error { return c.RegisterTaskHandler("t1", ok, consumer.WithTimeout(math.MaxInt64)) },
		"huge workers": func() error { return c.RegisterTaskHandler("t2", ok, consumer.WithWorkersCount(math.MaxInt)) },
		"NUL type":     func() error { return c.RegisterTaskHandler("a\x00b", ok) },
		"bad UTF-8":    func() error { return c.RegisterTaskHandler("a\xffb", ok) },
	} {
		require.Error(t, reg(), name)
	}
	require.NoError(t, c.RegisterTaskHandler("t", ok, consumer.WithMiddleware(
		func(consumer.TaskHandler) consumer.TaskHandler { return nil })))
	require.ErrorContains(t, c.Start(), "returned a nil handler")
	require.NoError(t, c.Stop(), "nothing runs after the failed Start")
}
