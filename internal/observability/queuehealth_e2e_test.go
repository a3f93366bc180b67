package observability_test

import "context"
import "testing"
import "time"

import "github.com/stretchr/testify/require"
import "go.opentelemetry.io/otel/sdk/metric/metricdata"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/internal/observability"

// TestQueueHealthGauges checks the queue-health gauges reported by the
// leader, against a table holding tasks of two types in every status, and
// that a consumer that is not the leader reports nothing.
func TestQueueHealthGauges(t *testing.T) {
	t.Parallel()
	eachDriver(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		p := b.newProducer(t, newTelemetry(t), nil)
		const (
			typeA = "qh:a"
			typeB = "qh:b"
		)
		// typeA: 3 tasks ready for an hour, 1 delayed by an hour.
		for range 3 {
			task := asynqpg.NewTask(typeA, []byte{})
			task.ProcessAt = time.Now().Add(-time.Hour)
			_, err := p.Enqueue(ctx, task)
			require.NoError(t, err)
		}
		_, err := p.Enqueue(ctx, asynqpg.NewTask(typeA, []byte{}, asynqpg.WithDelay(time.Hour)))
		require.NoError(t, err)
		// typeB: one of each status but pending.
		var idsB []int64
		for range 4 {
			id, err := p.Enqueue(ctx, asynqpg.NewTask(typeB, []byte{}, asynqpg.WithDelay(time.Hour)))
			require.NoError(t, err)
			idsB = append(idsB, id)
		}
		for i, status := range []string{"running", "failed", "completed"} {
			_, err := b.check.Exec(`UPDATE asynqpg_tasks SET status = $2,
				finalized_at = CASE WHEN $2 = 'running' THEN NULL ELSE now() END,
				attempted_at = now(), blocked_till = now() + interval '1 hour' WHERE id = $1`, idsB[i], status)
			require.NoError(t, err)
		}
		cl, err := client.New(client.Config{Pool: b.d.open(t, b.url)})
		require.NoError(t, err)
		_, err = cl.CancelTask(ctx, idsB[3])
		require.NoError(t, err)

		// The consumer handles another type only: it leaves the tasks be.
		tel := newTelemetry(t)
		cfg := b.consumerConfig(t, tel)
		cfg.DisableMaintenance = false
		cfg.QueueHealthInterval = 50 * time.Millisecond
		idle := map[string]consumer.TaskHandlerFunc{"qh:other": func(context.Context, *asynqpg.TaskInfo) error { return nil }}
		startConsumer(t, cfg, idle)

		var ms map[string]metricdata.Metrics
		require.Eventually(t, func() bool {
			ms = tel.collect(t)
			_, ok := ms[observability.MetricQueueTasks]
			return ok
		}, waitFor, tick, "the leader reports the queue")
		require.Equal(t, map[string]int64{
			"status=pending,task_type=" + typeA:   4,
			"status=running,task_type=" + typeA:   0,
			"status=failed,task_type=" + typeA:    0,
			"status=cancelled,task_type=" + typeA: 0,
			"status=pending,task_type=" + typeB:   0,
			"status=running,task_type=" + typeB:   1,
			"status=failed,task_type=" + typeB:    1,
			"status=cancelled,task_type=" + typeB: 1,
		}, gaugePoints[int64](t, ms[observability.MetricQueueTasks]))
		require.Equal(t, "{task}", ms[observability.MetricQueueTasks].Unit)

		ages := gaugePoints[float64](t, ms[observability.MetricQueueOldestReadyAge])
		require.Len(t, ages, 2)
		require.InDelta(t, time.Hour.Seconds(), ages["task_type="+typeA], 120, "ready for an hour")
		require.Zero(t, ages["task_type="+typeB], "none ready")
		require.Equal(t, "s", ms[observability.MetricQueueOldestReadyAge].Unit)

		// A second consumer is not the leader: it reports no queue.
		otherTel := newTelemetry(t)
		other := b.consumerConfig(t, otherTel)
		other.DisableMaintenance = false
		other.QueueHealthInterval = 50 * time.Millisecond
		startConsumer(t, other, idle)
		// Something that must not happen: look several times over a
		// while; the sleep is the waiting under test.
		for range 5 {
			require.NotContains(t, otherTel.collect(t), observability.MetricQueueTasks)
			time.Sleep(20 * time.Millisecond)
		}

		// New work shows within an interval.
		_, err = p.Enqueue(ctx, asynqpg.NewTask(typeB, []byte{}))
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			return gaugePoints[int64](t, tel.collect(t)[observability.MetricQueueTasks])["status=pending,task_type="+typeB] == 1
		}, waitFor, tick)
	})
}

// TestQueueHealthDisabled checks that a leader with DisableQueueHealth
// reports no queue, and that a negative interval is refused.
func TestQueueHealthDisabled(t *testing.T) {
	t.Parallel()
	b := setup(t, drivers[0])
	tel := newTelemetry(t)
	cfg := b.consumerConfig(t, tel)
	cfg.DisableMaintenance = false
	cfg.DisableQueueHealth = true
	cfg.QueueHealthInterval = time.Millisecond
	cfg.ClientID = "quiet-leader"
	startConsumer(t, cfg, map[string]consumer.TaskHandlerFunc{"qh:other": func(context.Context, *asynqpg.TaskInfo) error { return nil }})
	require.Eventually(t, func() bool {
		var leader string
		err := b.check.QueryRow(`SELECT leader_id FROM asynqpg_leader`).Scan(&leader)
		return err == nil && leader == cfg.ClientID
	}, waitFor, tick)
	// Something that must not happen: look several times over a while;
	// the sleep is the waiting under test.
	for range 5 {
		require.NotContains(t, tel.collect(t), observability.MetricQueueTasks)
		time.Sleep(10 * time.Millisecond)
	}

	bad := b.consumerConfig(t, tel)
	bad.QueueHealthInterval = -time.Second
	_, err := consumer.New(bad)
	require.ErrorContains(t, err, "QueueHealthInterval")
}
