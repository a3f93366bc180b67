package conformance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/internal/engine"
	"github.com/yakser/asynqpg/producer"
)

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
	t.Run("Fields", func(t *testing.T) { testProducerFields(t, b) })
	t.Run("Options", func(t *testing.T) { testProducerOptions(t, b) })
	t.Run("Idempotency", func(t *testing.T) { testProducerIdempotency(t, b) })
	t.Run("ConcurrentDuplicates", func(t *testing.T) { testProducerConcurrentDuplicates(t, b) })
	t.Run("BadInput", func(t *testing.T) { testProducerBadInput(t, b) })
	t.Run("Transactions", func(t *testing.T) { testProducerTransactions(t, b) })
	t.Run("Batches", func(t *testing.T) { testProducerBatches(t, b) })
	t.Run("Notify", func(t *testing.T) { testProducerNotify(t, d) })
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
		check func(t *testing.T, s *storedTask)
	}{
		{name: "none", check: func(t *testing.T, s *storedTask) {
			require.Equal(t, 4, s.AttemptsLeft)
			require.Equal(t, time.Hour, s.BlockedTill.Sub(s.CreatedAt))
		}},
		{name: "delay", opts: []producer.EnqueueOption{producer.WithDelay(time.Minute)}, check: func(t *testing.T, s *storedTask) {
			require.Equal(t, time.Minute, s.BlockedTill.Sub(s.CreatedAt))
		}},
		{name: "process at", opts: []producer.EnqueueOption{producer.WithProcessAt(at)}, check: func(t *testing.T, s *storedTask) {
			require.True(t, at.Equal(s.BlockedTill))
		}},
		{name: "max retry", opts: []producer.EnqueueOption{producer.WithMaxRetry(11)}, check: func(t *testing.T, s *storedTask) {
			require.Equal(t, 11, s.AttemptsLeft)
		}},
		{name: "token", opts: []producer.EnqueueOption{producer.WithIdempotencyToken("opt-token")}, check: func(t *testing.T, s *storedTask) {
			require.Equal(t, "opt-token", *s.IdempotencyToken)
		}},
		{name: "nil and several", opts: []producer.EnqueueOption{nil, producer.WithMaxRetry(1), producer.WithMaxRetry(2)},
			check: func(t *testing.T, s *storedTask) { require.Equal(t, 2, s.AttemptsLeft) }},
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

func testProducerIdempotency(t *testing.T, b *apiBundle) {
	t.Parallel()

	t.Run("Enqueue", func(t *testing.T) {
		t.Parallel()
		id, err := b.enqueue(t, asynqpg.NewTask("idem:single", []byte("first"), asynqpg.WithIdempotencyToken("k")))
		require.NoError(t, err)
		for _, task := range []*asynqpg.Task{
			asynqpg.NewTask("idem:single", []byte("second"), asynqpg.WithIdempotencyToken("k")),
			asynqpg.NewTask("idem:single", []byte("third"), asynqpg.WithIdempotencyToken("k"),
				asynqpg.WithDelay(time.Hour), asynqpg.WithMaxRetry(1)),
		} {
			again, err := b.enqueue(t, task)
			require.ErrorIs(t, err, producer.ErrDuplicateTask)
			require.Equal(t, id, again, "a duplicate returns the existing task's ID")
		}
		s := b.stored(t, id)
		require.Equal(t, []byte("first"), s.Payload, "the existing task is unchanged")
		require.Equal(t, 3, s.AttemptsLeft)
		require.Equal(t, 1, b.countType(t, "idem:single"))

		other, err := b.enqueue(t, asynqpg.NewTask("idem:single:other", []byte{}, asynqpg.WithIdempotencyToken("k")))
		require.NoError(t, err, "the same token with another type is another task")
		require.NotEqual(t, id, other)
		for range 2 {
			_, err := b.enqueue(t, asynqpg.NewTask("idem:single", []byte{}))
			require.NoError(t, err, "tasks without a token never collide")
		}
		require.Equal(t, 3, b.countType(t, "idem:single"))
	})

	t.Run("EnqueueMany", func(t *testing.T) {
		t.Parallel()
		existing, err := b.enqueue(t, asynqpg.NewTask("idem:batch", []byte("old"), asynqpg.WithIdempotencyToken("old")))
		require.NoError(t, err)
		ids, err := b.enqueueMany(t, []*asynqpg.Task{
			asynqpg.NewTask("idem:batch", []byte("0")),
			asynqpg.NewTask("idem:batch", []byte("1"), asynqpg.WithIdempotencyToken("x")),
			asynqpg.NewTask("idem:batch", []byte("2"), asynqpg.WithIdempotencyToken("old")),
			asynqpg.NewTask("idem:batch", []byte("3"), asynqpg.WithIdempotencyToken("x")),
			asynqpg.NewTask("idem:batch:other", []byte("4"), asynqpg.WithIdempotencyToken("x")),
			asynqpg.NewTask("idem:batch", []byte("5"), asynqpg.WithIdempotencyToken("y")),
			asynqpg.NewTask("idem:batch", []byte("6"), asynqpg.WithIdempotencyToken("y")),
			asynqpg.NewTask("idem:batch", []byte("7")),
		})
		require.NoError(t, err)
		require.Len(t, ids, 5, "only new tasks get IDs")
		want := []string{"0", "1", "4", "5", "7"}
		for i, id := range ids {
			if i > 0 {
				require.Greater(t, id, ids[i-1])
			}
			require.NotEqual(t, existing, id)
			require.Equal(t, want[i], string(b.stored(t, id).Payload), "the first of in-batch duplicates is kept")
		}
		require.Equal(t, []byte("old"), b.stored(t, existing).Payload)
		require.Equal(t, 6, b.countType(t, "idem:batch", "idem:batch:other"))

		again, err := b.enqueueMany(t, []*asynqpg.Task{
			asynqpg.NewTask("idem:batch", []byte{}, asynqpg.WithIdempotencyToken("x")),
			asynqpg.NewTask("idem:batch", []byte{}, asynqpg.WithIdempotencyToken("y")),
		})
		require.NoError(t, err)
		require.Empty(t, again, "a batch of duplicates creates nothing")
		require.NotNil(t, again)
	})
}

// testProducerConcurrentDuplicates enqueues the same task from many
// goroutines at once: exactly one creates it, all get its ID.
func testProducerConcurrentDuplicates(t *testing.T, b *apiBundle) {
	t.Parallel()
	const n = 8

	t.Run("Enqueue", func(t *testing.T) {
		t.Parallel()
		var (
			wg   sync.WaitGroup
			ids  [n]int64
			errs [n]error
		)
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				ids[i], errs[i] = b.enqueue(t, asynqpg.NewTask("race:single", []byte(fmt.Sprint(i)), asynqpg.WithIdempotencyToken("same")))
			})
		}
		close(start)
		wg.Wait()
		created := 0
		for i := range n {
			require.Equal(t, ids[0], ids[i])
			if errs[i] == nil {
				created++
				continue
			}
			require.ErrorIs(t, errs[i], producer.ErrDuplicateTask)
		}
		require.Equal(t, 1, created, "exactly one call creates the task")
		require.Equal(t, 1, b.countType(t, "race:single"))
		require.NotNil(t, b.stored(t, ids[0]))
	})

	t.Run("EnqueueMany", func(t *testing.T) {
		t.Parallel()
		const tokens = 5
		var (
			wg   sync.WaitGroup
			ids  [n][]int64
			errs [n]error
		)
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				batch := make([]*asynqpg.Task, tokens)
				for k := range batch {
					batch[k] = asynqpg.NewTask("race:batch", []byte{}, asynqpg.WithIdempotencyToken(fmt.Sprint(k)))
				}
				ids[i], errs[i] = b.enqueueMany(t, batch)
			})
		}
		close(start)
		wg.Wait()
		seen := map[int64]bool{}
		for i := range n {
			require.NoError(t, errs[i])
			for _, id := range ids[i] {
				require.False(t, seen[id], "task %d created twice", id)
				seen[id] = true
			}
		}
		require.Len(t, seen, tokens)
		require.Equal(t, tokens, b.countType(t, "race:batch"))
	})
}

// badTask is an invalid task and the reason it is rejected with.
type badTask struct {
	name     string
	task     *asynqpg.Task
	reason   string
	tooLarge bool
}

func badTasks(typ string) []badTask {
	return []badTask{
		{name: "nil task", task: nil, reason: "task cannot be nil"},
		{name: "empty type", task: asynqpg.NewTask("", []byte{}), reason: "task type cannot be empty (empty type: a task needs the type its handler is registered for)"},
		{name: "nil payload", task: asynqpg.NewTask(typ, nil), reason: "task payload cannot be nil (nil payload: use []byte{} for a task without one)"},
		{name: "negative delay", task: asynqpg.NewTask(typ, []byte{}, asynqpg.WithDelay(-time.Millisecond)),
			reason: "task delay cannot be negative, got -1ms"},
		{name: "negative max retry", task: asynqpg.NewTask(typ, []byte{}, asynqpg.WithMaxRetry(-3)),
			reason: "task max retry must be at least 1, got -3: it is the number of attempts, and 1 runs the task once"},
		{name: "empty token", task: asynqpg.NewTask(typ, []byte{}, asynqpg.WithIdempotencyToken("")),
			reason: "task idempotency token cannot be empty (use nil for none)"},
		{name: "type too long", task: asynqpg.NewTask(strings.Repeat("t", producer.MaxTypeLength+1), []byte{}),
			reason: fmt.Sprintf("task type of %d bytes exceeds MaxTypeLength (%d bytes)", producer.MaxTypeLength+1, producer.MaxTypeLength)},
		{name: "payload too large", task: asynqpg.NewTask(typ, make([]byte, producer.MaxPayloadSize+1)),
			reason:   fmt.Sprintf("task payload of %d bytes exceeds MaxPayloadSize (%d bytes)", producer.MaxPayloadSize+1, producer.MaxPayloadSize),
			tooLarge: true},
	}
}

func requireInvalidTask(t *testing.T, err error, index int, bt badTask) {
	t.Helper()
	require.ErrorIs(t, err, producer.ErrInvalidTask)
	require.Equal(t, bt.tooLarge, errors.Is(err, producer.ErrPayloadTooLarge))
	if index < 0 {
		require.EqualError(t, err, bt.reason)
	} else {
		require.EqualError(t, err, fmt.Sprintf("validate task at index %d: %s", index, bt.reason))
	}
}

func testProducerBadInput(t *testing.T, b *apiBundle) {
	t.Parallel()
	for i, bt := range badTasks("bad") {
		t.Run(bt.name, func(t *testing.T) {
			t.Parallel()
			single := fmt.Sprintf("bad:single:%d", i)
			id, err := b.enqueue(t, bt.task)
			require.Zero(t, id)
			requireInvalidTask(t, err, -1, bt)

			batchType := fmt.Sprintf("bad:batch:%d", i)
			batch := []*asynqpg.Task{
				asynqpg.NewTask(batchType, []byte{}),
				asynqpg.NewTask(batchType, []byte("x"), asynqpg.WithIdempotencyToken("t")),
				asynqpg.NewTask(batchType, []byte{}),
				bt.task,
				asynqpg.NewTask(batchType, []byte{}),
			}
			ids, err := b.enqueueMany(t, batch)
			require.Nil(t, ids)
			requireInvalidTask(t, err, 3, bt)
			require.Zero(t, b.countType(t, single, batchType, "bad"), "bad input wrote rows")
		})
	}
	t.Run("option makes it bad", func(t *testing.T) {
		t.Parallel()
		id, err := b.enqueue(t, asynqpg.NewTask("bad:option", []byte{}), producer.WithDelay(-time.Second))
		require.Zero(t, id)
		require.ErrorIs(t, err, producer.ErrInvalidTask)
		require.Zero(t, b.countType(t, "bad:option"))
	})
}

// testProducerTransactions checks, for every entry, that EnqueueTx and
// EnqueueManyTx write exactly when the transaction commits.
func testProducerTransactions(t *testing.T, b *apiBundle) {
	t.Parallel()
	ctx := context.Background()
	for _, commit := range []bool{true, false} {
		t.Run(fmt.Sprintf("commit=%t", commit), func(t *testing.T) {
			t.Parallel()
			typ := fmt.Sprintf("tx:%t", commit)
			tx := b.Begin(t)
			id, err := b.Producer.EnqueueTx(ctx, tx.Querier, asynqpg.NewTask(typ, []byte("one"), asynqpg.WithIdempotencyToken("k")))
			require.NoError(t, err)
			// Inside the transaction, the task is there: a duplicate finds it.
			again, err := b.Producer.EnqueueTx(ctx, tx.Querier, asynqpg.NewTask(typ, []byte{}, asynqpg.WithIdempotencyToken("k")))
			require.ErrorIs(t, err, producer.ErrDuplicateTask)
			require.Equal(t, id, again)
			ids, err := b.Producer.EnqueueManyTx(ctx, tx.Querier, []*asynqpg.Task{
				asynqpg.NewTask(typ, []byte("two")), asynqpg.NewTask(typ, []byte("three"), asynqpg.WithIdempotencyToken("k")),
			})
			require.NoError(t, err)
			require.Len(t, ids, 1)
			got, err := b.Client.GetTaskTx(ctx, tx.Querier, ids[0])
			require.NoError(t, err)
			require.Equal(t, []byte("two"), got.Payload)
			require.Zero(t, b.countType(t, typ), "visible before commit")

			if !commit {
				require.NoError(t, tx.Rollback(ctx))
				require.Zero(t, b.countType(t, typ))
				require.Nil(t, b.stored(t, id))
				return
			}
			require.NoError(t, tx.Commit(ctx))
			require.Equal(t, 2, b.countType(t, typ))
			require.Equal(t, []byte("one"), b.stored(t, id).Payload)
			require.Equal(t, []byte("two"), b.stored(t, ids[0]).Payload)
		})
	}
	t.Run("NilTx", func(t *testing.T) {
		t.Parallel()
		_, err := b.Producer.EnqueueTx(ctx, nil, asynqpg.NewTask("tx:nil", []byte{}))
		require.Error(t, err)
		_, err = b.Producer.EnqueueManyTx(ctx, nil, []*asynqpg.Task{asynqpg.NewTask("tx:nil", []byte{})})
		require.Error(t, err)
		require.Zero(t, b.countType(t, "tx:nil"))
	})
}

// testProducerBatches proves, with a counting wrapper around the entry's
// Executor, that a batch of engine.MaxBatchTasks is one statement, and
// that a larger one is several in one transaction, all or nothing.
func testProducerBatches(t *testing.T, b *apiBundle) {
	t.Parallel()
	ctx := context.Background()
	txEntry := b.Driver.TxEntry

	// counted returns a Producer whose statements are counted, and the
	// handle to pass to the *Tx methods (nil for the Pool).
	counted := func(t *testing.T) (*producer.Producer, *statementCounts, *Tx) {
		t.Helper()
		cp := &countingPool{Pool: b.Pool, ex: newCountingExecutor(t, b.Pool)}
		p, err := producer.New(producer.Config{Pool: cp})
		require.NoError(t, err)
		if !txEntry {
			return p, cp.ex.counts, nil
		}
		tx := b.Begin(t)
		ex := newCountingExecutor(t, tx.Querier)
		tx.Querier = &countingQuerier{Querier: tx.Querier, ex: ex}
		return p, ex.counts, &tx
	}
	enqueueMany := func(t *testing.T, p *producer.Producer, tx *Tx, tasks []*asynqpg.Task) ([]int64, error) {
		t.Helper()
		if tx == nil {
			return p.EnqueueMany(ctx, tasks)
		}
		return p.EnqueueManyTx(ctx, tx.Querier, tasks)
	}
	batch := func(typ string, n int) []*asynqpg.Task {
		tasks := make([]*asynqpg.Task, n)
		for i := range tasks {
			tasks[i] = asynqpg.NewTask(typ, []byte(fmt.Sprint(i)), asynqpg.WithIdempotencyToken(fmt.Sprint(i%(n-1))))
		}
		return tasks
	}

	tests := []struct {
		name           string
		n              int
		wantStatements int64
		wantBegins     int64
	}{
		{name: "one statement", n: engine.MaxBatchTasks, wantStatements: 1},
		{name: "split", n: engine.MaxBatchTasks + 2, wantStatements: 2, wantBegins: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, counts, tx := counted(t)
			typ := "batch:" + tt.name
			// The last task repeats the first one's token: n-1 are new.
			ids, err := enqueueMany(t, p, tx, batch(typ, tt.n))
			require.NoError(t, err)
			require.Len(t, ids, tt.n-1)
			require.Equal(t, tt.wantStatements, counts.statements.Load(), "statements")
			require.Equal(t, tt.wantBegins, counts.begins.Load(), "transactions or savepoints begun")
			for i := 1; i < len(ids); i++ {
				require.Greater(t, ids[i], ids[i-1])
			}
			if tx != nil {
				require.Zero(t, b.countType(t, typ), "visible before commit")
				require.NoError(t, tx.Commit(ctx))
			}
			require.Equal(t, tt.n-1, b.countType(t, typ))
			require.Equal(t, []byte("0"), b.stored(t, ids[0]).Payload)
		})
	}

	t.Run("split all or nothing", func(t *testing.T) {
		t.Parallel()
		typ := "batch:aon"
		tasks := make([]*asynqpg.Task, engine.MaxBatchTasks+1)
		for i := range tasks {
			tasks[i] = asynqpg.NewTask(typ, []byte{})
		}
		// The poison constraint rejects the last task: the second
		// statement fails in the database.
		tasks[engine.MaxBatchTasks] = asynqpg.NewTask(typ, []byte{0xde, 0xad})
		var tx *Tx
		if txEntry {
			btx := b.Begin(t)
			tx = &btx
		}
		_, err := enqueueMany(t, b.Producer, tx, tasks)
		require.ErrorContains(t, err, "conformance_poison")
		if tx != nil {
			// The failed batch rolled back to its savepoint: the caller's
			// transaction goes on.
			_, err := b.Producer.EnqueueTx(ctx, tx.Querier, asynqpg.NewTask(typ+":after", []byte{}))
			require.NoError(t, err)
			require.NoError(t, tx.Commit(ctx))
			require.Equal(t, 1, b.countType(t, typ+":after"))
		}
		require.Zero(t, b.countType(t, typ), "a failed batch left rows")
	})
}

// addPoison adds a constraint that rejects tasks of type batch:aon with
// the payload 0xdead, so that a statement fails in the database. It runs
// before any subtest: its lock would queue behind their transactions.
func (b *apiBundle) addPoison(t *testing.T) {
	t.Helper()
	_, err := b.Check.ExecContext(context.Background(), `ALTER TABLE asynqpg_tasks ADD CONSTRAINT conformance_poison
		CHECK (type <> 'batch:aon' OR payload <> '\xdead'::bytea)`)
	require.NoError(t, err)
}

// testProducerNotify checks that a task ready at once is announced on the
// new-task channel with its type, when (and only if) the insert commits,
// and that a delayed one is not.
func testProducerNotify(t *testing.T, d Driver) {
	t.Parallel()
	b := setupAPI(t, d, producer.Config{})
	ctx := context.Background()
	conn := b.listen(t, engine.ChannelNewTask)

	tx := b.Begin(t)
	_, err := b.Producer.EnqueueTx(ctx, tx.Querier, asynqpg.NewTask("notify:rolled-back", []byte{}))
	require.NoError(t, err)
	require.NoError(t, tx.Rollback(ctx))
	_, err = b.enqueue(t, asynqpg.NewTask("notify:delayed", []byte{}, asynqpg.WithDelay(time.Hour)))
	require.NoError(t, err)
	_, err = b.enqueueMany(t, []*asynqpg.Task{asynqpg.NewTask("notify:delayed", []byte{}, asynqpg.WithDelay(time.Hour))})
	require.NoError(t, err)
	_, err = b.enqueue(t, asynqpg.NewTask("notify:single", []byte{}))
	require.NoError(t, err)
	require.Equal(t, "notify:single", nextNotification(t, conn), "the first notification is the committed ready task")

	_, err = b.enqueueMany(t, []*asynqpg.Task{
		asynqpg.NewTask("notify:batch", []byte{}),
		asynqpg.NewTask("notify:batch", []byte{}),
		asynqpg.NewTask("notify:delayed", []byte{}, asynqpg.WithDelay(time.Hour)),
	})
	require.NoError(t, err)
	require.Equal(t, "notify:batch", nextNotification(t, conn))

	// A batch with idempotency tokens goes through the deduplicating
	// statement: it announces its ready types too.
	_, err = b.enqueueMany(t, []*asynqpg.Task{
		asynqpg.NewTask("notify:tokened", []byte{}, asynqpg.WithIdempotencyToken("t1")),
		asynqpg.NewTask("notify:tokened", []byte{}, asynqpg.WithIdempotencyToken("t2")),
	})
	require.NoError(t, err)
	require.Equal(t, "notify:tokened", nextNotification(t, conn))
}
