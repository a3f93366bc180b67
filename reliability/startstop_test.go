package reliability

import "context"
import "fmt"
import "math/rand/v2"
import "testing"
import "time"

import "github.com/stretchr/testify/require"
import "go.uber.org/goleak"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
import "github.com/yakser/asynqpg/internal/testfixture"

// TestStartStopStress is scenario 14: a consumer (with maintenance, so
// that every cycle also elects and resigns a leader) is started and
// stopped over and over while tasks arrive, each time after a random
// short life, sometimes with handlers running.
// Pass: no goroutine is left behind (goleak); 0 lost, 0 duplicate and
// 0 re-executions (a stop lets running handlers finish and gives back
// what it claimed without running).
//
// Not parallel: goleak counts every goroutine of the process.
func TestStartStopStress(t *testing.T) {
	const taskType = "startstop"
	cycles := size().StartStopCycles
	began := time.Now()
	useConnections(t, 3*4)
	b := setup(t)
	pool := openPool(t, b.url, "startstop")
	ignore := goleak.IgnoreCurrent()

	enqueued := 0
	for i := range cycles {
		if i%2 == 0 {
			b.enqueue(t, taskType, 3, 3)
			enqueued += 3
		}
		c, err := consumer.New(consumer.Config{
			Pool: pgxv5driver.New(pool), ClientID: fmt.Sprintf("cycle-%d", i), Logger: newLogRecorder().Logger(),
			FetchInterval: 20 * time.Millisecond, JanitorInterval: 50 * time.Millisecond, ShutdownTimeout: 10 * time.Second,
		})
		require.NoError(t, err)
		require.NoError(t, c.RegisterTaskHandler(taskType, consumer.TaskHandlerFunc(
			func(ctx context.Context, task *asynqpg.TaskInfo) error {
				if err := recordExecution(ctx, b.pool, "startstop", task); err != nil {
					return err
				}
				time.Sleep(time.Duration(rand.IntN(3)) * time.Millisecond)
				return nil
			}), consumer.WithWorkersCount(4)))
		require.NoError(t, c.Start())
		time.Sleep(time.Duration(rand.IntN(15)) * time.Millisecond)
		require.NoError(t, c.Stop(), "cycle %d", i)
	}

	// Whatever is left runs on one more consumer.
	c, err := consumer.New(consumer.Config{Pool: pgxv5driver.New(pool), FetchInterval: 20 * time.Millisecond,
		DisableMaintenance: true, Logger: newLogRecorder().Logger()})
	require.NoError(t, err)
	require.NoError(t, c.RegisterTaskHandler(taskType, consumer.TaskHandlerFunc(
		func(ctx context.Context, task *asynqpg.TaskInfo) error {
			return recordExecution(ctx, b.pool, "drain", task)
		})))
	require.NoError(t, c.Start())
	leftover := b.scalar(t, `SELECT count(*) FROM asynqpg_tasks WHERE status <> 'completed'`)
	b.waitCompleted(t, taskType, enqueued, waitLong)
	require.NoError(t, c.Stop())

	goleak.VerifyNone(t, ignore, testfixture.IgnorePgxBackgroundReader)
	cnt := b.counts(t, taskType)
	report(t, result{
		Scenario: 14, Name: "start/stop stress", Counts: cnt, Bound: 0, Elapsed: time.Since(began),
		Notes: fmt.Sprintf("cycles=%d tasks=%d left_for_the_final_consumer=%d goroutines_leaked=0", cycles, enqueued, leftover),
	})
	requireNoLossNoDuplicate(t, cnt, enqueued, 0)
}
