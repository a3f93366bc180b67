package consumer_test

import "bytes"
import "context"
import "fmt"
import "log/slog"
import "os"
import "os/exec"
import "sync"
import "testing"
import "time"

import "github.com/jackc/pgx/v5/pgxpool"
import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"

const (
	// helperURLEnv, when set, makes the test binary run a consumer on that
	// database whose handlers never return, instead of the tests.
	helperURLEnv = "ASYNQPG_TEST_DOOMED_CONSUMER_URL"
	// doomedType is the task type the doomed consumer claims.
	doomedType = "doomed"
	// doomedTimeout is the doomed consumer's handler timeout; its leases
	// last this plus the 5s margin.
	doomedTimeout = 2 * time.Second
)

// runDoomedConsumer runs in the child process: a consumer whose handlers
// block until the process is killed.
func runDoomedConsumer(url string) {
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "doomed consumer:", err)
		os.Exit(2)
	}
	c, err := consumer.New(consumer.Config{
		Pool:               pgxv5driver.New(pool),
		Logger:             slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		FetchInterval:      50 * time.Millisecond,
		DisableMaintenance: true,
	})
	if err == nil {
		err = c.RegisterTaskHandler(doomedType, consumer.TaskHandlerFunc(
			func(context.Context, *asynqpg.TaskInfo) error {
				select {} // until the process is killed
			}), consumer.WithTimeout(doomedTimeout))
	}
	if err == nil {
		err = c.Start()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "doomed consumer:", err)
		os.Exit(2)
	}
	// The parent kills the process long before this.
	time.Sleep(2 * time.Minute)
	os.Exit(3)
}

// startDoomedConsumer starts the doomed consumer (runDoomedConsumer) on
// the database at url in a child process, and returns the function that
// kills it (also called at the end of the test) and the child's output.
func startDoomedConsumer(t *testing.T, url string) (kill func(), out *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), helperURLEnv+"="+url)
	out = &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	var killOnce sync.Once
	kill = func() {
		killOnce.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}
	t.Cleanup(kill)
	return kill, out
}

// TestKilledConsumer kills a consumer process while it runs tasks: once
// their leases pass, another consumer claims them again and completes
// every one, counting the lost attempt.
func TestKilledConsumer(t *testing.T) {
	t.Parallel()
	const tasks = 5
	b := setup(t)
	ids := b.enqueueMany(t, doomedType, tasks)

	kill, out := startDoomedConsumer(t, b.url)
	require.Eventually(t, func() bool { return b.countStatus(t, doomedType, asynqpg.TaskStatusRunning) == tasks },
		30*time.Second, 20*time.Millisecond, "the child never ran every task; its output:\n%s", out)
	kill()
	require.Equal(t, tasks, b.countStatus(t, doomedType, asynqpg.TaskStatusRunning), "still running, owned by the dead process")

	var (
		mu   sync.Mutex
		runs = map[int64]int{}
	)
	c, err := consumer.New(b.config(b.pool))
	require.NoError(t, err)
	require.NoError(t, c.RegisterTaskHandler(doomedType, consumer.TaskHandlerFunc(
		func(_ context.Context, task *asynqpg.TaskInfo) error {
			mu.Lock()
			runs[task.ID]++
			mu.Unlock()
			return nil
		})))
	require.NoError(t, c.Start())
	t.Cleanup(func() { require.NoError(t, c.Stop()) })

	require.Eventually(t, func() bool { return b.countStatus(t, doomedType, asynqpg.TaskStatusCompleted) == tasks },
		time.Minute, 50*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	for _, id := range ids {
		require.Equal(t, 1, runs[id], "task %d ran once after the kill", id)
		var (
			elapsed  int
			messages []string
		)
		require.NoError(t, b.pool.QueryRow(context.Background(),
			`SELECT attempts_elapsed, messages FROM asynqpg_tasks WHERE id = $1`, id).Scan(&elapsed, &messages))
		require.Equal(t, 1, elapsed, "the lost attempt counts")
		require.Len(t, messages, 1)
		require.Contains(t, messages[0], "lease expired")
	}
}
