package observability_test

import "context"
import "sort"
import "testing"

import "github.com/stretchr/testify/require"
import "go.opentelemetry.io/otel/codes"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/internal/testfixture"

// TestDBErrorCounted makes the database refuse the writes of outcomes,
// then accept them again: the failed writes are counted as db_error, and
// the attempt is counted once.
func TestDBErrorCounted(t *testing.T) {
	t.Parallel()
	eachDriver(t, func(t *testing.T, b *bundle) {
		_, err := b.check.Exec(`
CREATE FUNCTION obs_refuse_completion() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'completion refused'; END $$;
CREATE TRIGGER obs_refuse_completion BEFORE UPDATE ON asynqpg_tasks
FOR EACH ROW WHEN (NEW.status = 'completed') EXECUTE FUNCTION obs_refuse_completion();`)
		require.NoError(t, err)

		tel := newTelemetry(t)
		p := b.newProducer(t, newTelemetry(t), nil)
		id, err := p.Enqueue(context.Background(), asynqpg.NewTask(typeOK, []byte{}))
		require.NoError(t, err)
		startConsumer(t, b.consumerConfig(t, tel), map[string]consumer.TaskHandlerFunc{
			typeOK: func(context.Context, *asynqpg.TaskInfo) error { return nil },
		})

		require.Eventually(t, func() bool {
			m, ok := tel.collect(t)[asynqpg.MetricTasksErrors]
			return ok && sumPoints(t, m, true)["error_type="+asynqpg.ErrorTypeDB] >= 1
		}, waitFor, tick, "a refused write is a db_error")
		_, err = b.check.Exec(`DROP TRIGGER obs_refuse_completion ON asynqpg_tasks`)
		require.NoError(t, err)
		testfixture.WaitStatus(t, b.check, id, asynqpg.TaskStatusCompleted, waitFor)

		ms := tel.collect(t)
		errs := sumPoints(t, ms[asynqpg.MetricTasksErrors], true)
		require.Equal(t, []string{"error_type=" + asynqpg.ErrorTypeDB}, keys(errs), "no handler error, no other attributes")
		require.Equal(t, map[string]int64{"status=completed,task_type=" + typeOK: 1},
			sumPoints(t, ms[asynqpg.MetricTasksProcessed], true), "the attempt is counted once")
		spans := tel.spansNamed(asynqpg.SpanProcess)
		require.Len(t, spans, 1)
		require.Equal(t, codes.Unset, spans[0].Status().Code, "the handler succeeded")
	})
}

// TestInFlight checks the in-flight count while handlers run, and that it
// is back to zero after Stop, also when Stop interrupts a handler.
func TestInFlight(t *testing.T) {
	t.Parallel()
	eachDriver(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		tel := newTelemetry(t)
		p := b.newProducer(t, newTelemetry(t), nil)
		const typeBlock = "obs:block"
		release := make(chan struct{})
		started := make(chan int64, 2)
		cfg := b.consumerConfig(t, tel)
		cfg.ShutdownTimeout = 0
		c := startConsumer(t, cfg, map[string]consumer.TaskHandlerFunc{
			typeOK: func(_ context.Context, task *asynqpg.TaskInfo) error {
				started <- task.ID
				<-release
				return nil
			},
			// Runs until its context ends: Stop interrupts it.
			typeBlock: func(ctx context.Context, task *asynqpg.TaskInfo) error {
				started <- task.ID
				<-ctx.Done()
				return ctx.Err()
			},
		})
		okID, err := p.Enqueue(ctx, asynqpg.NewTask(typeOK, []byte{}))
		require.NoError(t, err)
		blockID, err := p.Enqueue(ctx, asynqpg.NewTask(typeBlock, []byte{}))
		require.NoError(t, err)
		<-started
		<-started

		inFlight := func() map[string]int64 {
			return sumPoints(t, tel.collect(t)[asynqpg.MetricTasksInFlight], false)
		}
		require.Equal(t, map[string]int64{"task_type=" + typeOK: 1, "task_type=" + typeBlock: 1}, inFlight())
		close(release)
		testfixture.WaitStatus(t, b.check, okID, asynqpg.TaskStatusCompleted, waitFor)
		require.Equal(t, map[string]int64{"task_type=" + typeOK: 0, "task_type=" + typeBlock: 1}, inFlight())

		require.Equal(t, consumer.ErrShutdownTimeout, c.Shutdown(0), "the blocked handler outlived the timeout")
		require.Equal(t, map[string]int64{"task_type=" + typeOK: 0, "task_type=" + typeBlock: 0}, inFlight())
		require.Equal(t, asynqpg.TaskStatusPending, b.status(t, blockID), "given back")
		require.Equal(t, map[string]int64{"status=completed,task_type=" + typeOK: 1},
			sumPoints(t, tel.collect(t)[asynqpg.MetricTasksProcessed], true), "an interrupted attempt is not processed")
	})
}

// keys returns the keys of m, sorted.
func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
