package conformance

import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/producer"

// The producer chapter proves that through the entry every task field is
// stored as the producer documents, idempotency holds for single tasks,
// batches and concurrent callers, bad input writes nothing, a batch is one
// statement (several in one transaction beyond the per-statement limit),
// ready tasks are announced, and tasks enqueued through a transaction
// exist exactly when it commits.

// runProducerChapter runs the producer chapter against d.
func runProducerChapter(t *testing.T, d Driver) {
	// One database for the tests that keep to task types of their
	// own; Notify needs one of its own, as notifications are per
	// database.
	b := setupAPI(t, d, producer.Config{})
	b.addPoison(t)
	runEach(t, d, []section{
		{"Fields", b.shared(testProducerFields)},
		{"Options", b.shared(testProducerOptions)},
		{"Idempotency", b.shared(testProducerIdempotency)},
		{"ConcurrentDuplicates", b.shared(testProducerConcurrentDuplicates)},
		{"BadInput", b.shared(testProducerBadInput)},
		{"Transactions", b.shared(testProducerTransactions)},
		{"Batches", b.shared(testProducerBatches)},
		{"Notify", testProducerNotify},
	})
}

// allBytes is a payload holding every byte value.
func allBytes() []byte {
	p := make([]byte, 512)
	for i := range p {
		p[i] = byte(i)
	}
	return p
}

// fieldCase is a task and what must be stored for it.
type fieldCase struct {
	name     string
	task     *asynqpg.Task
	attempts int
	// delay: blocked_till is the insert's now() plus delay, unless at is set.
	delay time.Duration
	at    time.Time
}

func fieldCases(prefix string) []fieldCase {
	at := time.Date(2040, 2, 3, 4, 5, 6, 789012345, time.FixedZone("X", 3*3600))
	past := time.Date(2001, 1, 1, 0, 0, 0, 1000, time.UTC)
	tok := func(s string) asynqpg.TaskOption { return asynqpg.WithIdempotencyToken(prefix + s) }
	return []fieldCase{
		{name: "defaults", task: asynqpg.NewTask(prefix+"defaults", []byte(`{"a":1}`)), attempts: 5},
		{name: "empty payload", task: asynqpg.NewTask(prefix+"empty", []byte{}), attempts: 5},
		{name: "binary payload", task: asynqpg.NewTask(prefix+"binary", allBytes(), tok("bin")), attempts: 5},
		{name: "max retry", task: asynqpg.NewTask(prefix+"retry", []byte{}, asynqpg.WithMaxRetry(9)), attempts: 9},
		{name: "max retry one", task: asynqpg.NewTask(prefix+"retry1", []byte{}, asynqpg.WithMaxRetry(1)), attempts: 1},
		{name: "delay", task: asynqpg.NewTask(prefix+"delay", []byte{}, asynqpg.WithDelay(36*time.Hour+time.Microsecond)),
			attempts: 5, delay: 36*time.Hour + time.Microsecond},
		{name: "process at", task: &asynqpg.Task{Type: prefix + "at", Payload: []byte{}, ProcessAt: at},
			attempts: 5, at: at.Truncate(time.Microsecond)},
		{name: "process at in the past", task: &asynqpg.Task{Type: prefix + "past", Payload: []byte{}, ProcessAt: past},
			attempts: 5, at: past},
		{name: "process at wins over delay", task: &asynqpg.Task{Type: prefix + "both", Payload: []byte{},
			ProcessAt: at, Delay: time.Minute, IdempotencyToken: ptr(prefix + "both")}, attempts: 5, at: at.Truncate(time.Microsecond)},
		{name: "unicode type and token", task: asynqpg.NewTask(prefix+"ünï:çødé 'q' \"d\"", []byte{}, tok("tøk'\"\\")),
			attempts: 5},
	}
}

func ptr[T any](v T) *T { return &v }

// checkFields checks the stored task id against c, enqueued between the
// database times before and after.
func (b *apiBundle) checkFields(t *testing.T, c fieldCase, id int64, before, after time.Time) {
	t.Helper()
	s := b.stored(t, id)
	require.NotNil(t, s)
	require.Equal(t, c.task.Type, s.Type)
	require.Equal(t, c.task.Payload, s.Payload)
	require.Equal(t, c.task.IdempotencyToken, s.IdempotencyToken)
	require.Equal(t, asynqpg.TaskStatusPending, s.Status)
	require.Equal(t, c.attempts, s.AttemptsLeft)
	require.Zero(t, s.AttemptsElapsed)
	require.Empty(t, s.Messages)
	require.Nil(t, s.FinalizedAt)
	require.Nil(t, s.AttemptedAt)
	require.False(t, s.CreatedAt.Before(before), "created_at %s before %s", s.CreatedAt, before)
	require.False(t, s.CreatedAt.After(after), "created_at %s after %s", s.CreatedAt, after)
	if !c.at.IsZero() {
		require.True(t, c.at.Equal(s.BlockedTill), "blocked_till %s, want %s", s.BlockedTill, c.at)
		return
	}
	require.Equal(t, c.delay, s.BlockedTill.Sub(s.CreatedAt), "blocked_till is the insert's now() plus the delay")
}

func testProducerFields(t *testing.T, shared *apiBundle) {
	t.Parallel()
	p5, err := producer.New(producer.Config{Pool: shared.Pool, DefaultMaxRetry: 5})
	require.NoError(t, err)
	b := &apiBundle{Bundle: shared.Bundle, Producer: p5, Client: shared.Client}

	t.Run("Enqueue", func(t *testing.T) {
		t.Parallel()
		for _, c := range fieldCases("single:") {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				before := b.dbNow(t)
				id, err := b.enqueue(t, c.task)
				require.NoError(t, err)
				b.checkFields(t, c, id, before, b.dbNow(t))
			})
		}
	})

	t.Run("EnqueueMany", func(t *testing.T) {
		t.Parallel()
		cases := fieldCases("batch:")
		tasks := make([]*asynqpg.Task, len(cases))
		for i, c := range cases {
			tasks[i] = c.task
		}
		before := b.dbNow(t)
		ids, err := b.enqueueMany(t, tasks)
		require.NoError(t, err)
		after := b.dbNow(t)
		require.Len(t, ids, len(cases))
		for i, c := range cases {
			if i > 0 {
				require.Greater(t, ids[i], ids[i-1], "IDs ascend in batch order")
			}
			b.checkFields(t, c, ids[i], before, after)
		}
	})

	// A batch whose tasks share every option sends each option once
	// (engine.InsertTasks); each case as a batch of three copies.
	t.Run("EnqueueMany, one case a batch", func(t *testing.T) {
		t.Parallel()
		for _, c := range fieldCases("same:") {
			tasks := make([]*asynqpg.Task, 3)
			for i := range tasks {
				cp := *c.task
				tasks[i] = &cp
			}
			before := b.dbNow(t)
			ids, err := b.enqueueMany(t, tasks)
			require.NoError(t, err, c.name)
			after := b.dbNow(t)
			want := len(tasks)
			if c.task.IdempotencyToken != nil {
				want = 1 // the copies repeat the first one's token
			}
			require.Len(t, ids, want, c.name)
			for _, id := range ids {
				b.checkFields(t, c, id, before, after)
			}
		}
	})

	t.Run("DefaultMaxRetry", func(t *testing.T) {
		t.Parallel()
		id, err := shared.enqueue(t, asynqpg.NewTask("default:3", []byte{}))
		require.NoError(t, err)
		require.Equal(t, producer.DefaultMaxRetry, b.stored(t, id).AttemptsLeft)
		require.Equal(t, 3, producer.DefaultMaxRetry)
	})
}

func testProducerOptions(t *testing.T, b *apiBundle) {
	t.Parallel()
	at := time.Date(2050, 6, 7, 8, 9, 10, 0, time.UTC)
	template := asynqpg.NewTask("options", []byte("tpl"), asynqpg.WithMaxRetry(4), asynqpg.WithDelay(time.Hour))
	orig := *template

	tests := []struct {
		name  string
		opts  []producer.EnqueueOption
		check func(t *testing.T, s *client.TaskInfo)
	}{
		{name: "none", check: func(t *testing.T, s *client.TaskInfo) {
			require.Equal(t, 4, s.AttemptsLeft)
			require.Equal(t, time.Hour, s.BlockedTill.Sub(s.CreatedAt))
		}},
		{name: "delay", opts: []producer.EnqueueOption{producer.WithDelay(time.Minute)}, check: func(t *testing.T, s *client.TaskInfo) {
			require.Equal(t, time.Minute, s.BlockedTill.Sub(s.CreatedAt))
		}},
		{name: "process at", opts: []producer.EnqueueOption{producer.WithProcessAt(at)}, check: func(t *testing.T, s *client.TaskInfo) {
			require.True(t, at.Equal(s.BlockedTill))
		}},
		{name: "max retry", opts: []producer.EnqueueOption{producer.WithMaxRetry(11)}, check: func(t *testing.T, s *client.TaskInfo) {
			require.Equal(t, 11, s.AttemptsLeft)
		}},
		{name: "token", opts: []producer.EnqueueOption{producer.WithIdempotencyToken("opt-token")}, check: func(t *testing.T, s *client.TaskInfo) {
			require.Equal(t, "opt-token", *s.IdempotencyToken)
		}},
		{name: "nil and several", opts: []producer.EnqueueOption{nil, producer.WithMaxRetry(1), producer.WithMaxRetry(2)},
			check: func(t *testing.T, s *client.TaskInfo) { require.Equal(t, 2, s.AttemptsLeft) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id, err := b.enqueue(t, template, tt.opts...)
			require.NoError(t, err)
			s := b.stored(t, id)
			require.Equal(t, []byte("tpl"), s.Payload)
			tt.check(t, s)
		})
	}
	t.Cleanup(func() { require.Equal(t, orig, *template, "options modified the task") })
}
