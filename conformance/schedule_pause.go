package conformance

import "context"
import "strings"
import "sync"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/producer"

// The pause chapter proves that a task type paused through the Client is
// stored in the database: consumers on it (one listening where the entry
// can LISTEN, one polling) stop claiming its tasks within a second, a
// consumer started later claims none, running tasks finish with their
// outcomes written, enqueue still works, and resume wakes the consumers at
// once. Transaction entries run the parts without a consumer.

// pausePropagation is how long a pause may take to reach every consumer.
const pausePropagation = time.Second

// runPauseChapter runs the pause chapter against d.
func runPauseChapter(t *testing.T, d Driver) {
	runSections(t, d, []section{
		{"List", testPauseList},
		{"BadType", testPauseBadType},
		{"EnqueueWhilePaused", testPauseEnqueue},
	}, []section{
		{"AcrossConsumers", testPauseAcrossConsumers},
		{"BeforeStart", testPauseBeforeStart},
		{"RunningFinish", testPauseRunningFinish},
	})
}

// testPauseList checks ListPausedTaskTypes: byte order of names, and that
// pausing a paused type and resuming a running one change nothing.
func testPauseList(t *testing.T, d Driver) {
	t.Parallel()
	b := setupAPI(t, d, producer.Config{})
	ctx := opContext(t)
	got, err := b.Client.ListPausedTaskTypes(ctx)
	require.NoError(t, err)
	require.NotNil(t, got, "an empty slice, not nil")
	require.Empty(t, got)
	for _, typ := range []string{"b", "a", "B", "é", "a"} {
		require.NoError(t, b.Client.PauseTaskType(ctx, typ), "pause %q", typ)
	}
	require.NoError(t, b.Client.ResumeTaskType(ctx, "never-paused"), "resuming a running type is a no-op")
	got, err = b.Client.ListPausedTaskTypes(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"B", "a", "b", "é"}, got, "byte order, each type once")
	require.NoError(t, b.Client.ResumeTaskType(ctx, "a"))
	require.NoError(t, b.Client.ResumeTaskType(ctx, "a"), "resuming twice is a no-op")
	got, err = b.Client.ListPausedTaskTypes(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"B", "b", "é"}, got)
}

// testPauseBadType checks that a type the producer would refuse is an
// error naming the problem, and nothing is stored.
func testPauseBadType(t *testing.T, d Driver) {
	t.Parallel()
	b := setupAPI(t, d, producer.Config{})
	ctx := opContext(t)
	for _, tc := range []struct {
		name, typ, want string
	}{
		{name: "empty", typ: "", want: "task type cannot be empty"},
		{name: "too long", typ: strings.Repeat("x", 10000), want: "exceeds MaxTypeLength"},
		{name: "NUL byte", typ: "a\x00b", want: "not valid UTF-8 text without NUL bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := b.Client.PauseTaskType(ctx, tc.typ)
			require.ErrorContains(t, err, "pause task type")
			require.ErrorContains(t, err, tc.want)
			err = b.Client.ResumeTaskType(ctx, tc.typ)
			require.ErrorContains(t, err, "resume task type")
			require.ErrorContains(t, err, tc.want)
		})
	}
	got, err := b.Client.ListPausedTaskTypes(ctx)
	require.NoError(t, err)
	require.Empty(t, got)
}

// testPauseEnqueue checks that a paused type's tasks are still enqueued
// (through the entry's subject), pending.
func testPauseEnqueue(t *testing.T, d Driver) {
	t.Parallel()
	b := setupAPI(t, d, producer.Config{})
	require.NoError(t, b.Client.PauseTaskType(opContext(t), "paused"))
	id, err := b.enqueue(t, asynqpg.NewTask("paused", []byte("p")))
	require.NoError(t, err)
	require.Equal(t, asynqpg.TaskStatusPending, b.stored(t, id).Status)
}

// testPauseAcrossConsumers pauses a type two running consumers serve, one
// of which cannot LISTEN: neither claims its tasks once the pause had a
// second to spread, and on resume both run them at once.
func testPauseAcrossConsumers(t *testing.T, d Driver) {
	t.Parallel()
	b := setupConsumer(t, d)
	const workers = 2
	runs := newPauseRuns()
	runs.open()
	register := func(name string) func(c *consumer.Consumer) {
		return func(c *consumer.Consumer) {
			handle(t, c, "paused", runs.handler(name), consumer.WithWorkersCount(workers))
		}
	}
	b.start(t, b.config(), register("listening"))
	polling := b.config()
	polling.Pool = b.pollOnly(t)
	b.start(t, polling, register("polling"))

	// Both run tasks before the pause.
	first := b.enqueueTask(t, asynqpg.NewTask("paused", []byte{}))
	b.waitStatus(t, first, asynqpg.TaskStatusCompleted)

	require.NoError(t, b.Client.PauseTaskType(opContext(t), "paused"))
	time.Sleep(pausePropagation) // the time a pause may take to reach the consumers
	ids := make([]int64, 2*workers)
	for i := range ids {
		ids[i] = b.enqueueTask(t, asynqpg.NewTask("paused", []byte{}))
	}
	time.Sleep(pausePropagation) // absence over time: nothing may be claimed
	require.Equal(t, 1, runs.started(), "a paused type's task ran")
	require.Equal(t, len(ids), b.countStatus(t, "paused", asynqpg.TaskStatusPending))

	runs.close()
	resumed := time.Now()
	require.NoError(t, b.Client.ResumeTaskType(opContext(t), "paused"))
	// Every worker of both consumers takes a task: the closed gate holds
	// the workers until all have started.
	runs.waitStarted(t, 1+len(ids))
	require.Less(t, time.Since(resumed), 5*time.Second, "resume wakes the consumers")
	require.Equal(t, map[string]int{"listening": workers, "polling": workers}, runs.byConsumerAfter(1))
	runs.open()
	for _, id := range ids {
		b.waitStatus(t, id, asynqpg.TaskStatusCompleted)
	}
}

// testPauseBeforeStart checks that a consumer started while its type is
// paused claims none of its tasks, and claims them once resumed.
func testPauseBeforeStart(t *testing.T, d Driver) {
	t.Parallel()
	b := setupConsumer(t, d)
	require.NoError(t, b.Client.PauseTaskType(opContext(t), "paused"))
	id := b.enqueueTask(t, asynqpg.NewTask("paused", []byte{}))
	other := b.enqueueTask(t, asynqpg.NewTask("other", []byte{}))
	runs := newPauseRuns()
	runs.open()
	b.start(t, b.config(), func(c *consumer.Consumer) {
		handle(t, c, "paused", runs.handler("c"))
		handle(t, c, "other", func(context.Context, *asynqpg.TaskInfo) error { return nil })
	})
	b.waitStatus(t, other, asynqpg.TaskStatusCompleted)
	time.Sleep(pausePropagation) // absence over time: nothing may be claimed
	require.Zero(t, runs.started(), "a paused type's task ran")
	require.Equal(t, asynqpg.TaskStatusPending, b.stored(t, id).Status)
	require.NoError(t, b.Client.ResumeTaskType(opContext(t), "paused"))
	b.waitStatus(t, id, asynqpg.TaskStatusCompleted)
}

// testPauseRunningFinish pauses a type while one of its tasks runs: the
// task finishes and its outcome is written, and the next task waits.
func testPauseRunningFinish(t *testing.T, d Driver) {
	t.Parallel()
	b := setupConsumer(t, d)
	runs := newPauseRuns()
	b.start(t, b.config(), func(c *consumer.Consumer) {
		handle(t, c, "paused", runs.handler("c"))
	})
	running := b.enqueueTask(t, asynqpg.NewTask("paused", []byte{}))
	runs.waitStarted(t, 1)
	require.NoError(t, b.Client.PauseTaskType(opContext(t), "paused"))
	time.Sleep(pausePropagation) // the time a pause may take to reach the consumer
	next := b.enqueueTask(t, asynqpg.NewTask("paused", []byte{}))
	runs.open()
	b.waitStatus(t, running, asynqpg.TaskStatusCompleted)
	time.Sleep(pausePropagation) // absence over time: nothing may be claimed
	require.Equal(t, 1, runs.started())
	require.Equal(t, asynqpg.TaskStatusPending, b.stored(t, next).Status)
}

// pauseRuns records which consumer ran which task; its handlers block
// while the gate is closed.
type pauseRuns struct {
	mu   sync.Mutex
	by   []string      // the consumer of each run, in start order
	gate chan struct{} // closed: handlers return
}

// newPauseRuns returns a pauseRuns whose gate is closed.
func newPauseRuns() *pauseRuns { return &pauseRuns{gate: make(chan struct{})} }

// handler is the handler of the consumer called name.
func (r *pauseRuns) handler(name string) consumer.TaskHandlerFunc {
	return func(ctx context.Context, _ *asynqpg.TaskInfo) error {
		r.mu.Lock()
		r.by = append(r.by, name)
		gate := r.gate
		r.mu.Unlock()
		select {
		case <-gate:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// open lets the handlers running and those to come return.
func (r *pauseRuns) open() {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.gate:
	default:
		close(r.gate)
	}
}

// close makes the handlers to come block until open.
func (r *pauseRuns) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.gate:
		r.gate = make(chan struct{})
	default:
	}
}

// started returns the number of runs so far.
func (r *pauseRuns) started() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.by)
}

// waitStarted waits until n runs have started.
func (r *pauseRuns) waitStarted(t *testing.T, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return r.started() >= n }, consumerWait, consumerTick,
		"runs started: want %d", n)
}

// byConsumerAfter counts the runs of each consumer after the first skip.
func (r *pauseRuns) byConsumerAfter(skip int) map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for _, name := range r.by[skip:] {
		out[name]++
	}
	return out
}
