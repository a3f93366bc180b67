package conformance

import "context"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"

// Lifecycle: graceful stop, middleware and configuration.

func testConsumerGracefulStop(t *testing.T, d Driver) {
	t.Parallel()
	b := setupConsumer(t, d)
	quickStarted := make(chan struct{}, 1)
	slowStarted := make(chan struct{}, 1)
	slowErr := make(chan error, 1)
	c := b.start(t, b.config(), func(c *consumer.Consumer) {
		handle(t, c, "quick", func(context.Context, *asynqpg.TaskInfo) error {
			quickStarted <- struct{}{}
			time.Sleep(300 * time.Millisecond)
			return nil
		})
		handle(t, c, "slow", func(ctx context.Context, _ *asynqpg.TaskInfo) error {
			slowStarted <- struct{}{}
			<-ctx.Done()
			slowErr <- ctx.Err()
			return ctx.Err()
		})
	})
	quick := b.enqueueTask(t, asynqpg.NewTask("quick", []byte{}))
	slow := b.enqueueTask(t, asynqpg.NewTask("slow", []byte{}, asynqpg.WithMaxRetry(3)))
	for _, ch := range []chan struct{}{quickStarted, slowStarted} {
		select {
		case <-ch:
		case <-time.After(consumerWait):
			t.Fatal("a task never started")
		}
	}
	require.Equal(t, consumer.ErrShutdownTimeout, c.Shutdown(time.Second), "the slow handler outlived the timeout")
	require.ErrorIs(t, <-slowErr, context.Canceled)
	require.Equal(t, consumer.ErrShutdownTimeout, c.Stop(), "a second stop returns the first one's result")

	s := b.stored(t, quick)
	require.Equal(t, asynqpg.TaskStatusCompleted, s.Status, "it finished within the timeout")
	s = b.stored(t, slow)
	require.Equal(t, asynqpg.TaskStatusPending, s.Status, "given back")
	require.Equal(t, 3, s.AttemptsLeft, "no attempt counted")
	require.Equal(t, 0, s.AttemptsElapsed)
	require.Empty(t, s.Messages)
	require.False(t, s.BlockedTill.After(b.dbNow(t)), "ready at once")
	require.Empty(t, b.Errors.Calls())

	// A stopped consumer starts again, and runs what it gave back.
	require.NoError(t, c.Start(), "a stopped consumer starts again")
	select {
	case <-slowStarted:
	case <-time.After(consumerWait):
		t.Fatal("the given-back task did not run after the restart")
	}
	require.Equal(t, consumer.ErrShutdownTimeout, c.Shutdown(100*time.Millisecond))
}

func testConsumerMiddleware(t *testing.T, d Driver) {
	t.Parallel()
	b := setupConsumer(t, d)
	trace := make(chan []string, 2)
	var calls []string
	mw := func(name string) consumer.MiddlewareFunc {
		return func(next consumer.TaskHandler) consumer.TaskHandler {
			return consumer.TaskHandlerFunc(func(ctx context.Context, task *asynqpg.TaskInfo) error {
				calls = append(calls, name+">")
				err := next.Handle(ctx, task)
				calls = append(calls, "<"+name)
				if name == "global1" {
					trace <- calls
					calls = nil
				}
				return err
			})
		}
	}
	c := b.start(t, b.config(), func(c *consumer.Consumer) {
		handle(t, c, "wrapped", func(context.Context, *asynqpg.TaskInfo) error {
			calls = append(calls, "handler")
			return nil
		}, consumer.WithWorkersCount(1), consumer.WithMiddleware(mw("type1"), mw("type2")))
		require.NoError(t, c.Use(mw("global1")))
		require.NoError(t, c.Use(mw("global2")))
	})
	require.Error(t, c.Use(mw("late")), "Use after Start")

	id := b.enqueueTask(t, asynqpg.NewTask("wrapped", []byte{}))
	b.waitStatus(t, id, asynqpg.TaskStatusCompleted)
	select {
	case got := <-trace:
		require.Equal(t, []string{"global1>", "global2>", "type1>", "type2>", "handler",
			"<type2", "<type1", "<global2", "<global1"}, got)
	case <-time.After(consumerWait):
		t.Fatal("the middleware never ran")
	}
}

func testConsumerConfig(t *testing.T, d Driver) {
	t.Parallel()
	b := setupConsumer(t, d)
	ok := consumer.TaskHandlerFunc(func(context.Context, *asynqpg.TaskInfo) error { return nil })

	newTests := []struct {
		name string
		cfg  consumer.Config
	}{
		{"nil pool", consumer.Config{}},
		{"negative fetch interval", consumer.Config{Pool: b.Pool, FetchInterval: -time.Second}},
		{"negative shutdown timeout", consumer.Config{Pool: b.Pool, ShutdownTimeout: -time.Second}},
		{"negative cancel check interval", consumer.Config{Pool: b.Pool, CancelCheckInterval: -time.Second}},
		{"negative default timeout", consumer.Config{Pool: b.Pool, DefaultTimeout: -time.Second}},
		{"negative workers", consumer.Config{Pool: b.Pool, DefaultWorkersCount: -1}},
		{"negative max attempts", consumer.Config{Pool: b.Pool, DefaultMaxAttempts: -1}},
		{"negative retention", consumer.Config{Pool: b.Pool, FailedRetention: -time.Hour}},
	}
	for _, tt := range newTests {
		t.Run("New/"+tt.name, func(t *testing.T) {
			c, err := consumer.New(tt.cfg)
			require.Error(t, err)
			require.Nil(t, c)
		})
	}

	registerTests := []struct {
		name     string
		taskType string
		handler  consumer.TaskHandler
		opts     []consumer.TaskTypeOption
	}{
		{"empty type", "", ok, nil},
		{"nil handler", "t", nil, nil},
		{"nil handler func", "t", consumer.TaskHandlerFunc(nil), nil},
		{"zero workers", "t", ok, []consumer.TaskTypeOption{consumer.WithWorkersCount(0)}},
		{"negative workers", "t", ok, []consumer.TaskTypeOption{consumer.WithWorkersCount(-2)}},
		{"zero timeout", "t", ok, []consumer.TaskTypeOption{consumer.WithTimeout(0)}},
		{"negative timeout", "t", ok, []consumer.TaskTypeOption{consumer.WithTimeout(-time.Second)}},
		{"zero max attempts", "t", ok, []consumer.TaskTypeOption{consumer.WithMaxAttempts(0)}},
	}
	for _, tt := range registerTests {
		t.Run("Register/"+tt.name, func(t *testing.T) {
			c, err := consumer.New(b.config())
			require.NoError(t, err)
			require.Error(t, c.RegisterTaskHandler(tt.taskType, tt.handler, tt.opts...))
			require.ErrorContains(t, c.Start(), "no task handlers", "nothing was registered")
		})
	}

	t.Run("Lifecycle", func(t *testing.T) {
		c, err := consumer.New(b.config())
		require.NoError(t, err)
		require.NoError(t, c.Stop(), "Stop before Start does nothing")
		require.Error(t, c.Start(), "no handlers")
		require.NoError(t, c.RegisterTaskHandler("t", ok))
		err = c.RegisterTaskHandler("t", ok)
		require.ErrorIs(t, err, consumer.ErrTaskHandlerAlreadyRegistered)
		require.NoError(t, c.Start())
		require.Error(t, c.Start(), "started twice")
		require.Error(t, c.RegisterTaskHandler("u", ok), "registered after Start")
		require.Error(t, c.Use(func(h consumer.TaskHandler) consumer.TaskHandler { return h }), "Use after Start")
		require.NoError(t, c.Stop())
		require.NoError(t, c.Stop(), "stopped twice")
		require.NoError(t, c.Start(), "started again after Stop")
		require.NoError(t, c.Stop())
	})
}
