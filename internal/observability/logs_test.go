package observability_test

import "context"
import "fmt"
import "log/slog"
import "strings"
import "sync"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/internal/testfixture"
import "github.com/yakser/asynqpg/producer"

// logRecord is a captured log line with its attributes rendered as text.
type logRecord struct {
	msg   string
	attrs map[string]string
}

// capture is a slog.Handler that keeps every record, at every level.
type capture struct {
	mu      *sync.Mutex
	records *[]logRecord
	pre     []slog.Attr
	group   string
}

func newCapture() *capture {
	return &capture{mu: new(sync.Mutex), records: new([]logRecord)}
}

func (c *capture) Enabled(context.Context, slog.Level) bool { return true }

func (c *capture) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{msg: r.Message, attrs: map[string]string{}}
	add := func(a slog.Attr) {
		key := a.Key
		if c.group != "" {
			key = c.group + "." + key
		}
		rec.attrs[key] = a.Value.Resolve().String()
	}
	for _, a := range c.pre {
		add(a)
	}
	r.Attrs(func(a slog.Attr) bool {
		add(a)
		return true
	})
	c.mu.Lock()
	*c.records = append(*c.records, rec)
	c.mu.Unlock()
	return nil
}

func (c *capture) WithAttrs(attrs []slog.Attr) slog.Handler {
	d := *c
	d.pre = append(append([]slog.Attr{}, c.pre...), attrs...)
	return &d
}

func (c *capture) WithGroup(name string) slog.Handler {
	d := *c
	d.group = name
	return &d
}

// all returns the records captured so far.
func (c *capture) all() []logRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]logRecord(nil), *c.records...)
}

// find returns the records whose message is msg.
func (c *capture) find(msg string) []logRecord {
	var out []logRecord
	for _, r := range c.all() {
		if r.msg == msg {
			out = append(out, r)
		}
	}
	return out
}

// TestLogsCarryTaskIdentity runs producer, consumer and client at debug
// level through enqueues, a duplicate, a permanent failure with a
// panicking ErrorHandler, a retry, a cancellation and a deletion, and
// checks that every line about a task carries its ID and type, and that no
// line carries a payload.
func TestLogsCarryTaskIdentity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, drivers[0])
	logs := newCapture()
	logger := slog.New(logs)
	const secret = "payload-must-not-be-logged"
	payload := []byte(`{"secret":"` + secret + `"}`)

	p := b.newProducer(t, newTelemetry(t), logger)
	failID, err := p.Enqueue(ctx, asynqpg.NewTask(typeFail, payload, asynqpg.WithIdempotencyToken("once")))
	require.NoError(t, err)
	_, err = p.Enqueue(ctx, asynqpg.NewTask(typeFail, payload, asynqpg.WithIdempotencyToken("once")))
	require.ErrorIs(t, err, producer.ErrDuplicateTask)
	delayedID, err := p.Enqueue(ctx, asynqpg.NewTask(typeOK, payload, asynqpg.WithDelay(time.Hour)))
	require.NoError(t, err)
	_, err = p.EnqueueMany(ctx, []*asynqpg.Task{asynqpg.NewTask(typeOK, payload)})
	require.NoError(t, err)

	cfg := b.consumerConfig(t, newTelemetry(t))
	cfg.Logger = logger
	cfg.ErrorHandler = asynqpg.ErrorHandlerFunc(func(context.Context, *asynqpg.TaskInfo, error) {
		panic("error handler broke")
	})
	c := startConsumer(t, cfg, map[string]consumer.TaskHandlerFunc{
		typeOK: func(context.Context, *asynqpg.TaskInfo) error { return nil },
		typeFail: func(_ context.Context, task *asynqpg.TaskInfo) error {
			return fmt.Errorf("rejected %d: %w", task.ID, asynqpg.ErrSkipRetry)
		},
	})
	testfixture.WaitStatus(t, b.check, failID, asynqpg.TaskStatusFailed, waitFor)
	require.Eventually(t, func() bool { return len(logs.find("asynqpg: ErrorHandler panicked")) == 1 }, waitFor, tick)
	require.NoError(t, c.Stop())

	cl, err := client.New(client.Config{Pool: b.d.open(t, b.url), Logger: logger})
	require.NoError(t, err)
	_, err = cl.CancelTask(ctx, delayedID)
	require.NoError(t, err)
	_, err = cl.RetryTask(ctx, failID)
	require.NoError(t, err)
	_, err = cl.DeleteTask(ctx, failID)
	require.NoError(t, err)

	// The lines about one task name it.
	for msg, want := range map[string]struct {
		id  int64
		typ string
	}{
		"asynqpg: duplicate task not enqueued": {failID, typeFail},
		"asynqpg: attempt failed":              {failID, typeFail},
		"asynqpg: task failed":                 {failID, typeFail},
		"asynqpg: ErrorHandler panicked":       {failID, typeFail},
		"asynqpg: cancel task":                 {delayedID, typeOK},
		"asynqpg: retry task":                  {failID, typeFail},
		"asynqpg: delete task":                 {failID, typeFail},
	} {
		recs := logs.find(msg)
		require.Len(t, recs, 1, msg)
		require.Equal(t, fmt.Sprint(want.id), recs[0].attrs["task_id"], msg)
		require.Equal(t, want.typ, recs[0].attrs["task_type"], msg)
	}
	require.Len(t, logs.find("asynqpg: task enqueued"), 2)

	// Every line naming a task names its type too; no line has a payload.
	all := logs.all()
	require.NotEmpty(t, all)
	for _, r := range all {
		if _, ok := r.attrs["task_id"]; ok {
			require.NotEmpty(t, r.attrs["task_type"], "line %q names a task without its type", r.msg)
		}
		require.NotContains(t, r.msg, secret)
		for k, v := range r.attrs {
			require.False(t, strings.Contains(v, secret), "line %q logs the payload in %s", r.msg, k)
		}
	}
}
