package consumer_test

import "context"
import "log/slog"
import "strings"
import "sync"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/internal/testfixture"

// everySecond is a periodic task builder for registration tests.
func everySecond(time.Time) *asynqpg.Task { return asynqpg.NewTask("tick", []byte{}) }

// leaderConsumer creates a consumer that takes part in the leader
// election, logging to logger (nil: discarded).
func (b *bundle) leaderConsumer(t *testing.T, logger *slog.Logger) *consumer.Consumer {
	t.Helper()
	cfg := b.config(b.pool)
	cfg.DisableMaintenance = false
	if logger != nil {
		cfg.Logger = logger
	}
	c, err := consumer.New(cfg)
	require.NoError(t, err)
	return c
}

func TestRegisterPeriodicTaskRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.leaderConsumer(t, nil)
	require.NoError(t, c.RegisterPeriodicTask(consumer.PeriodicTask{Name: "taken", Schedule: "@hourly", Task: everySecond}))

	for _, tc := range []struct {
		name string
		pt   consumer.PeriodicTask
		want string
	}{
		{"empty name", consumer.PeriodicTask{Schedule: "@hourly", Task: everySecond}, "periodic task name cannot be empty"},
		{"long name", consumer.PeriodicTask{Name: strings.Repeat("n", 256), Schedule: "@hourly", Task: everySecond},
			"periodic task name of 256 bytes exceeds 255 bytes"},
		{"duplicate name", consumer.PeriodicTask{Name: "taken", Schedule: "@daily", Task: everySecond},
			`periodic task "taken" is registered already`},
		{"bad schedule", consumer.PeriodicTask{Name: "new", Schedule: "every minute", Task: everySecond},
			`RegisterPeriodicTask("new"): schedule "every minute": expected exactly 5 fields`},
		{"empty schedule", consumer.PeriodicTask{Name: "new", Task: everySecond}, `schedule "" is empty`},
		{"too frequent", consumer.PeriodicTask{Name: "new", Schedule: "@every 500ms", Task: everySecond},
			`period 500ms is shorter than the minimum, 1s`},
		{"nil Task", consumer.PeriodicTask{Name: "new", Schedule: "@hourly"}, `RegisterPeriodicTask("new"): nil Task func`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, c.RegisterPeriodicTask(tc.pt), tc.want)
		})
	}
	// Nothing of the refused registrations was kept: "new" is free.
	require.NoError(t, c.RegisterPeriodicTask(consumer.PeriodicTask{Name: "new", Schedule: "@every 1m", Task: everySecond}))

	require.NoError(t, c.RegisterTaskHandler("tick", consumer.TaskHandlerFunc(func(context.Context, *asynqpg.TaskInfo) error {
		return nil
	})))
	require.NoError(t, c.Start())
	t.Cleanup(func() { _ = c.Stop() })
	require.ErrorContains(t, c.RegisterPeriodicTask(consumer.PeriodicTask{Name: "late", Schedule: "@hourly", Task: everySecond}),
		"cannot register a periodic task after the consumer is started")
}

func TestRegisterPeriodicTaskWithoutMaintenance(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c, err := consumer.New(b.config(b.pool)) // DisableMaintenance
	require.NoError(t, err)
	err = c.RegisterPeriodicTask(consumer.PeriodicTask{Name: "p", Schedule: "@hourly", Task: everySecond})
	require.ErrorContains(t, err, "Config.DisableMaintenance turns leader election off")
}

func TestPeriodicTaskBadBuildsAreSkipped(t *testing.T) {
	t.Parallel()
	b := setup(t)
	logs := &testfixture.SyncBuffer{}
	c := b.leaderConsumer(t, slog.New(slog.NewTextHandler(logs, nil)))

	var (
		mu      sync.Mutex
		built   = map[time.Time]int{} // instant → calls of the builder
		handled = map[string]bool{}   // payloads of the tasks run
	)
	require.NoError(t, c.RegisterPeriodicTask(consumer.PeriodicTask{
		Name:     "mixed",
		Schedule: "@every 1s",
		Task: func(at time.Time) *asynqpg.Task {
			mu.Lock()
			built[at]++
			mu.Unlock()
			switch at.Unix() % 4 {
			case 0:
				panic("builder broke")
			case 1:
				return nil
			case 2:
				return asynqpg.NewTask("", []byte("no type"))
			}
			return asynqpg.NewTask("mixed", []byte(at.Format(time.RFC3339)), asynqpg.WithPriority(5))
		},
	}))
	require.NoError(t, c.RegisterTaskHandler("mixed", consumer.TaskHandlerFunc(func(_ context.Context, task *asynqpg.TaskInfo) error {
		mu.Lock()
		defer mu.Unlock()
		handled[string(task.Payload)] = true
		return nil
	})))
	require.NoError(t, c.Start())
	t.Cleanup(func() { _ = c.Stop() })

	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(handled) >= 2
	}, 60*time.Second, 20*time.Millisecond)
	require.NoError(t, c.Stop())

	mu.Lock()
	defer mu.Unlock()
	kinds := map[int64]bool{}
	for at, n := range built {
		require.Equal(t, 1, n, "instant %v built once: a skipped instant is not tried again", at)
		kinds[at.Unix()%4] = true
	}
	require.Len(t, kinds, 4, "every kind of build was met: %v", built)
	log := logs.String()
	for _, want := range []string{"Task func panicked: builder broke", "Task func returned nil", "task type cannot be empty"} {
		require.Contains(t, log, want)
	}
	var prio int
	require.NoError(t, b.pool.QueryRow(context.Background(),
		`SELECT max(priority) FROM asynqpg_tasks WHERE type = 'mixed'`).Scan(&prio))
	require.Equal(t, 5, prio, "the built task's options are kept")
}

func TestPeriodicTaskBlockingBuildDoesNotHoldStop(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.leaderConsumer(t, nil)
	called := make(chan struct{}, 1)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	require.NoError(t, c.RegisterPeriodicTask(consumer.PeriodicTask{
		Name:     "stuck",
		Schedule: "@every 1s",
		Task: func(time.Time) *asynqpg.Task {
			select {
			case called <- struct{}{}:
			default:
			}
			<-release
			return asynqpg.NewTask("stuck", []byte{})
		},
	}))
	require.NoError(t, c.RegisterTaskHandler("stuck", consumer.TaskHandlerFunc(func(context.Context, *asynqpg.TaskInfo) error {
		return nil
	})))
	require.NoError(t, c.Start())
	select {
	case <-called:
	case <-time.After(60 * time.Second):
		t.Fatal("the Task func was never called")
	}
	stopped := make(chan error, 1)
	go func() { stopped <- c.Stop() }()
	select {
	case err := <-stopped:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("Stop waits for a Task func that blocks")
	}
	var n int
	require.NoError(t, b.pool.QueryRow(context.Background(), `SELECT count(*) FROM asynqpg_periodic`).Scan(&n))
	require.Zero(t, n, "the instant being built when the consumer stopped is not marked")
}
