package conformance

import "context"
import "errors"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/internal/testfixture"
import "github.com/yakser/asynqpg/producer"

// The compat chapter pins, through the entry, what programs and tests
// written against the original asynqpg rely on: its error texts (matched
// with strings.Contains, as its users do), the identity of the sentinels
// it returns bare (compared with ==), the order of its checks, and the
// TaskInfo a refused client action returns with its error. It also checks
// that a database without asynqpg's schema is reported as such, by the
// consumer's Start and by the first enqueue.

// runCompatChapter runs the compat chapter against d.
func runCompatChapter(t *testing.T, d Driver) {
	runSections(t, d, []section{
		{"ConstructorTexts", testCompatConstructors},
		{"ProducerTexts", testCompatProducer},
		{"ClientRefusals", testCompatClient},
		{"SchemaNotMigrated", testCompatNotMigrated},
	}, []section{
		{"ConsumerTexts", testCompatConsumer},
	})
}

func testCompatConstructors(t *testing.T, _ Driver) {
	t.Parallel()
	const want = "database pool is required"
	_, err := producer.New(producer.Config{})
	require.EqualError(t, err, want)
	_, err = consumer.New(consumer.Config{})
	require.EqualError(t, err, want)
	_, err = client.New(client.Config{})
	require.EqualError(t, err, want)
}

func testCompatProducer(t *testing.T, d Driver) {
	t.Parallel()
	b := setupAPI(t, d, producer.Config{})
	ctx := opContext(t)
	tx := b.Begin(t)
	good := asynqpg.NewTask("compat", []byte{})
	tests := []struct {
		name string
		call func() error
		want []string // substrings of the error text
	}{
		{"nil task", func() error { _, err := b.Producer.Enqueue(ctx, nil); return err },
			[]string{"task cannot be nil"}},
		{"nil task in tx", func() error { _, err := b.Producer.EnqueueTx(ctx, tx.Querier, nil); return err },
			[]string{"task cannot be nil"}},
		{"empty type", func() error { _, err := b.Producer.Enqueue(ctx, asynqpg.NewTask("", []byte{})); return err },
			[]string{"task type cannot be empty"}},
		{"nil payload", func() error { _, err := b.Producer.Enqueue(ctx, asynqpg.NewTask("t", nil)); return err },
			[]string{"task payload cannot be nil"}},
		{"nil executor before the task", func() error { _, err := b.Producer.EnqueueTx(ctx, nil, nil); return err },
			[]string{"executor cannot be nil"}},
		{"nil executor of a batch", func() error {
			_, err := b.Producer.EnqueueManyTx(ctx, nil, []*asynqpg.Task{good})
			return err
		}, []string{"executor cannot be nil"}},
		{"nil task in a batch", func() error { _, err := b.Producer.EnqueueMany(ctx, []*asynqpg.Task{good, nil}); return err },
			[]string{"index 1", "task cannot be nil"}},
		{"empty type in a batch", func() error {
			_, err := b.Producer.EnqueueMany(ctx, []*asynqpg.Task{good, asynqpg.NewTask("", []byte{})})
			return err
		}, []string{"index 1", "task type cannot be empty", "empty type"}},
		{"nil payload in a batch", func() error {
			_, err := b.Producer.EnqueueManyTx(ctx, tx.Querier, []*asynqpg.Task{good, asynqpg.NewTask("t", nil)})
			return err
		}, []string{"index 1", "task payload cannot be nil", "nil payload"}},
	}
	for _, tt := range tests {
		err := tt.call()
		require.Error(t, err, tt.name)
		for _, w := range tt.want {
			require.Contains(t, err.Error(), w, tt.name)
		}
	}
	ids, err := b.Producer.EnqueueMany(ctx, nil)
	require.NoError(t, err, "an empty batch")
	require.Nil(t, ids)
	require.NoError(t, tx.Rollback(ctx))
	require.Zero(t, b.countType(t, "compat", "t", ""), "a refused call wrote nothing")

	first, err := b.enqueue(t, asynqpg.NewTask("compat", []byte{}, asynqpg.WithIdempotencyToken("once")))
	require.NoError(t, err)
	again, err := b.enqueue(t, asynqpg.NewTask("compat", []byte{}, asynqpg.WithIdempotencyToken("once")))
	require.ErrorIs(t, err, producer.ErrDuplicateTask)
	require.Equal(t, first, again, "a duplicate returns the existing task's ID")
}

func testCompatClient(t *testing.T, d Driver) {
	t.Parallel()
	b := setupAPI(t, d, producer.Config{})
	ctx := opContext(t)
	tests := []struct {
		name   string
		status asynqpg.TaskStatus
		call   func(ctx context.Context, id int64) (*client.TaskInfo, error)
		want   error
	}{
		{"cancel completed", asynqpg.TaskStatusCompleted, b.Client.CancelTask, client.ErrTaskAlreadyFinalized},
		{"retry pending", asynqpg.TaskStatusPending, b.Client.RetryTask, client.ErrTaskAlreadyAvailable},
		{"retry running", asynqpg.TaskStatusRunning, b.Client.RetryTask, client.ErrTaskRunning},
		{"retry completed", asynqpg.TaskStatusCompleted, b.Client.RetryTask, client.ErrTaskAlreadyFinalized},
		{"delete running", asynqpg.TaskStatusRunning, b.Client.DeleteTask, client.ErrTaskRunning},
	}
	for _, tt := range tests {
		id := b.taskIn(t, "compat", tt.status)
		info, err := tt.call(ctx, id)
		require.True(t, err == tt.want, "%s: got %v, want the sentinel %v itself", tt.name, err, tt.want)
		require.NotNil(t, info, "%s: the task comes with the refusal", tt.name)
		require.Equal(t, id, info.ID, tt.name)
		require.Equal(t, tt.status, info.Status, tt.name)
		require.Equal(t, b.stored(t, id), info, "%s: the task as stored", tt.name)
	}
	for name, call := range map[string]func(context.Context, int64) (*client.TaskInfo, error){
		"get": b.Client.GetTask, "cancel": b.Client.CancelTask, "retry": b.Client.RetryTask, "delete": b.Client.DeleteTask,
	} {
		info, err := call(ctx, testfixture.MissingID)
		require.True(t, err == client.ErrTaskNotFound, "%s of a missing task: got %v", name, err)
		require.Nil(t, info, name)
	}
	for name, call := range map[string]func() error{
		"get":    func() error { _, err := b.Client.GetTaskTx(ctx, nil, 1); return err },
		"list":   func() error { _, err := b.Client.ListTasksTx(ctx, nil, nil); return err },
		"cancel": func() error { _, err := b.Client.CancelTaskTx(ctx, nil, 1); return err },
		"retry":  func() error { _, err := b.Client.RetryTaskTx(ctx, nil, 1); return err },
		"delete": func() error { _, err := b.Client.DeleteTaskTx(ctx, nil, 1); return err },
	} {
		require.EqualError(t, call(), "executor cannot be nil", name)
	}
}

func testCompatNotMigrated(t *testing.T, d Driver) {
	t.Parallel()
	b := Setup(t, d)
	// The test's own database, its schema moved out of the way.
	_, err := b.Check.ExecContext(context.Background(), `
		ALTER TABLE asynqpg_tasks RENAME TO asynqpg_tasks_elsewhere;
		ALTER TABLE asynqpg_leader RENAME TO asynqpg_leader_elsewhere`)
	require.NoError(t, err)
	pool := b.Pool
	ctx := opContext(t)

	p, err := producer.New(producer.Config{Pool: pool})
	require.NoError(t, err)
	_, err = p.Enqueue(ctx, asynqpg.NewTask("compat", []byte{}))
	require.ErrorIs(t, err, asynqpg.ErrSchemaNotMigrated)
	require.ErrorContains(t, err, "run migrate.Up")
	_, err = p.EnqueueMany(ctx, []*asynqpg.Task{asynqpg.NewTask("compat", []byte{})})
	require.ErrorIs(t, err, asynqpg.ErrSchemaNotMigrated)

	cl, err := client.New(client.Config{Pool: pool})
	require.NoError(t, err)
	_, err = cl.GetTask(ctx, 1)
	require.ErrorIs(t, err, asynqpg.ErrSchemaNotMigrated)

	if d.SkipConsumer {
		return
	}
	c, err := consumer.New(consumer.Config{Pool: pool, DisableMaintenance: true})
	require.NoError(t, err)
	require.NoError(t, c.RegisterTaskHandler("compat", consumer.TaskHandlerFunc(
		func(context.Context, *asynqpg.TaskInfo) error { return nil })))
	err = c.Start()
	require.ErrorIs(t, err, asynqpg.ErrSchemaNotMigrated)
	require.ErrorContains(t, err, "table asynqpg_tasks")
	require.NoError(t, c.Stop(), "nothing runs after a failed Start")
}

func testCompatConsumer(t *testing.T, d Driver) {
	t.Parallel()
	b := setupConsumer(t, d)
	ok := consumer.TaskHandlerFunc(func(context.Context, *asynqpg.TaskInfo) error { return nil })
	c, err := consumer.New(b.config())
	require.NoError(t, err)
	require.EqualError(t, c.Start(), "no task handlers registered")
	started := make(chan struct{}, 1)
	require.NoError(t, c.RegisterTaskHandler("compat", consumer.TaskHandlerFunc(
		func(ctx context.Context, _ *asynqpg.TaskInfo) error {
			started <- struct{}{}
			time.Sleep(time.Second) // ignores its context
			return nil
		})))
	err = c.RegisterTaskHandler("compat", ok)
	require.True(t, err == consumer.ErrTaskHandlerAlreadyRegistered, "got %v", err)
	require.NoError(t, c.Start())
	require.EqualError(t, c.Start(), "consumer is already started")
	require.EqualError(t, c.RegisterTaskHandler("other", ok), "cannot register handler after consumer is started")
	require.EqualError(t, c.Use(func(h consumer.TaskHandler) consumer.TaskHandler { return h }),
		"cannot add middleware after consumer is started")

	id := b.enqueueTask(t, asynqpg.NewTask("compat", []byte{}))
	select {
	case <-started:
	case <-time.After(consumerWait):
		t.Fatal("the task never started")
	}
	err = c.Shutdown(50 * time.Millisecond)
	require.True(t, errors.Is(err, consumer.ErrShutdownTimeout) && err == consumer.ErrShutdownTimeout, "got %v", err)
	require.EqualError(t, err, "shutdown timeout exceeded")
	// The handler finished in its grace period: its outcome was written.
	require.Equal(t, asynqpg.TaskStatusCompleted, b.stored(t, id).Status)
}
