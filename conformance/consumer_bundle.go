package conformance

import "context"
import "sync"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/testfixture"
import "github.com/yakser/asynqpg/internal/testfixture/testconsumer"
import "github.com/yakser/asynqpg/producer"

// The consumer chapter's tests run consumers on the entry's Pool with
// short intervals, enqueue through a Producer on the same Pool, and check
// the committed state through the independent Check pool.

// Bounds of the consumer chapter: generous, so that a slow, loaded
// machine does not fail the tests.
const (
	consumerWait = 30 * time.Second
	consumerTick = 20 * time.Millisecond
)

// consumerBundle is what a consumer-chapter test works with.
type consumerBundle struct {
	*apiBundle
	// Errors records the calls of the consumers' ErrorHandler.
	Errors *errorRecorder
}

// setupConsumer gives a consumer-chapter test its own database, a Producer
// and a Client on the entry's Pool.
func setupConsumer(t *testing.T, d Driver) *consumerBundle {
	t.Helper()
	return &consumerBundle{apiBundle: setupAPI(t, d, producer.Config{}), Errors: &errorRecorder{}}
}

// config is the consumer configuration of the chapter: short intervals,
// retries 50ms apart, no maintenance, the bundle's ErrorHandler.
func (b *consumerBundle) config() consumer.Config {
	cfg := testconsumer.Config(b.Pool)
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.ErrorHandler = b.Errors
	return cfg
}

// start creates a consumer with cfg, lets register register its handlers,
// starts it and stops it at the end of the test.
func (b *consumerBundle) start(t *testing.T, cfg consumer.Config, register func(c *consumer.Consumer)) *consumer.Consumer {
	t.Helper()
	c, err := consumer.New(cfg)
	require.NoError(t, err)
	register(c)
	require.NoError(t, c.Start())
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

// handle registers h for taskType on c, with opts.
func handle(t *testing.T, c *consumer.Consumer, taskType string, h consumer.TaskHandlerFunc, opts ...consumer.TaskTypeOption) {
	t.Helper()
	require.NoError(t, c.RegisterTaskHandler(taskType, h, opts...))
}

// serve starts a consumer with cfg and one handler, for taskType with
// opts: it records every run in the returned log, then returns what h
// returns for that run, numbered from 1.
func (b *consumerBundle) serve(t *testing.T, cfg consumer.Config, taskType string, h func(ctx context.Context, run int) error, opts ...consumer.TaskTypeOption) *runLog {
	t.Helper()
	runs := newRunLog()
	b.start(t, cfg, func(c *consumer.Consumer) {
		handle(t, c, taskType, func(ctx context.Context, task *asynqpg.TaskInfo) error {
			return h(ctx, runs.add(ctx, task))
		}, opts...)
	})
	return runs
}

// eachCompleter runs test once for each of the completers, each in its own
// parallel subtest on its own database, with the chapter's consumer
// configuration set to that completer.
func eachCompleter(t *testing.T, d Driver, test func(t *testing.T, b *consumerBundle, cfg consumer.Config)) {
	t.Helper()
	for _, comp := range completers {
		t.Run(comp.name, func(t *testing.T) {
			t.Parallel()
			b := setupConsumer(t, d)
			cfg := b.config()
			cfg.DisableBatchCompleter = comp.disable
			test(t, b, cfg)
		})
	}
}

// requireAttempts checks the attempts a stored task has left and has used;
// msgAndArgs says why, on failure.
func requireAttempts(t *testing.T, s *client.TaskInfo, left, elapsed int, msgAndArgs ...any) {
	t.Helper()
	require.Equal(t, left, s.AttemptsLeft, append([]any{"attempts left "}, msgAndArgs...)...)
	require.Equal(t, elapsed, s.AttemptsElapsed, append([]any{"attempts elapsed "}, msgAndArgs...)...)
}

// enqueueTask enqueues task through the Producer.
func (b *consumerBundle) enqueueTask(t *testing.T, task *asynqpg.Task) int64 {
	t.Helper()
	id, err := b.Producer.Enqueue(context.Background(), task)
	require.NoError(t, err)
	return id
}

// waitStatus waits until task id is committed in status and returns it.
func (b *consumerBundle) waitStatus(t *testing.T, id int64, status asynqpg.TaskStatus) *client.TaskInfo {
	t.Helper()
	testfixture.WaitStatus(t, b.Check, id, status, consumerWait)
	return b.stored(t, id)
}

// countStatus counts the committed tasks of taskType in status.
func (b *consumerBundle) countStatus(t *testing.T, taskType string, status asynqpg.TaskStatus) int {
	t.Helper()
	return testfixture.CountStatus(t, b.Check, taskType, status)
}

// pollOnlyPool is the entry's Pool with the engine's LISTEN capability
// hidden: the consumer polls.
type pollOnlyPool struct {
	asynqpg.Pool
	ex driver.Executor
}

func (p *pollOnlyPool) Executor() driver.Executor { return p.ex }

// pollOnly returns the bundle's Pool without its LISTEN capability.
func (b *consumerBundle) pollOnly(t *testing.T) asynqpg.Pool {
	t.Helper()
	ex := b.Executor(t)
	return &pollOnlyPool{Pool: b.Pool, ex: struct{ driver.Executor }{ex}}
}

// recordedError is one call of an ErrorHandler.
type recordedError struct {
	Task asynqpg.TaskInfo
	Err  error
}

// errorRecorder is an ErrorHandler that records its calls.
type errorRecorder struct {
	mu    sync.Mutex
	calls []recordedError
}

// HandleError implements asynqpg.ErrorHandler.
func (r *errorRecorder) HandleError(_ context.Context, task *asynqpg.TaskInfo, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, recordedError{Task: *task, Err: err})
}

// Calls returns the calls so far.
func (r *errorRecorder) Calls() []recordedError {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recordedError(nil), r.calls...)
}

// waitCalls waits until the handler was called n times, then makes sure
// no further call follows for a moment, and returns the calls.
func (r *errorRecorder) waitCalls(t *testing.T, n int) []recordedError {
	t.Helper()
	require.Eventually(t, func() bool { return len(r.Calls()) >= n }, consumerWait, consumerTick)
	time.Sleep(200 * time.Millisecond)
	calls := r.Calls()
	require.Len(t, calls, n, "ErrorHandler calls")
	return calls
}

// runLog records, per task, what its handler saw on each run.
type runLog struct {
	mu   sync.Mutex
	runs map[int64][]runRecord
}

// runRecord is what one run of a handler saw.
type runRecord struct {
	Task asynqpg.TaskInfo
	Meta asynqpg.TaskMetadata
	OK   bool // the context carried metadata
}

func newRunLog() *runLog { return &runLog{runs: map[int64][]runRecord{}} }

// add records a run and returns how many runs the task had, this one
// included.
func (l *runLog) add(ctx context.Context, task *asynqpg.TaskInfo) int {
	meta, ok := asynqpg.GetTaskMetadata(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.runs[task.ID] = append(l.runs[task.ID], runRecord{Task: *task, Meta: meta, OK: ok})
	return len(l.runs[task.ID])
}

// of returns the runs of task id.
func (l *runLog) of(id int64) []runRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]runRecord(nil), l.runs[id]...)
}
