package observability_test

import "context"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/observability"

func TestTaskTypeMeasurements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tel := newTelemetry(t)
	in := tel.instruments(t)

	a := in.Type("a")
	require.Same(t, a, in.Type("a"), "built once per type")
	a.Enqueued(ctx, 3)
	a.EnqueueDuration(ctx, 250*time.Millisecond)
	a.InFlight(ctx, 1)
	a.InFlight(ctx, 1)
	a.InFlight(ctx, -1)
	a.Processed(ctx, asynqpg.StatusCompleted, time.Second)
	a.Processed(ctx, asynqpg.StatusRetried, 2*time.Second)
	a.Error(ctx, asynqpg.ErrorTypeHandler)
	none := in.Type("")
	none.Error(ctx, asynqpg.ErrorTypeDB)
	none.EnqueueDuration(ctx, time.Millisecond)

	ms := tel.collect(t)
	require.Equal(t, map[string]int64{"task_type=a": 3}, sumPoints(t, ms[asynqpg.MetricTasksEnqueued], true))
	require.Equal(t, map[string]int64{"task_type=a": 1}, sumPoints(t, ms[asynqpg.MetricTasksInFlight], false))
	require.Equal(t, map[string]int64{"status=completed,task_type=a": 1, "status=retried,task_type=a": 1},
		sumPoints(t, ms[asynqpg.MetricTasksProcessed], true))
	require.Equal(t, map[string]int64{"error_type=handler_error,task_type=a": 1, "error_type=db_error": 1},
		sumPoints(t, ms[asynqpg.MetricTasksErrors], true))
	counts, sums := histPoints(t, ms[asynqpg.MetricTaskDuration])
	require.Equal(t, map[string]uint64{"status=completed,task_type=a": 1, "status=retried,task_type=a": 1}, counts)
	require.Equal(t, map[string]float64{"status=completed,task_type=a": 1, "status=retried,task_type=a": 2}, sums)
	counts, sums = histPoints(t, ms[asynqpg.MetricEnqueueDuration])
	require.Equal(t, map[string]uint64{"task_type=a": 1, "": 1}, counts)
	require.InDelta(t, 0.25, sums["task_type=a"], 1e-9)
}

func TestNoopInstruments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, in := range map[string]*observability.Instruments{
		"noop":   observability.Noop(),
		"global": mustNew(t),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := in.Type("a")
			m.Enqueued(ctx, 1)
			m.InFlight(ctx, 1)
			m.Processed(ctx, asynqpg.StatusFailed, time.Second)
			m.Error(ctx, asynqpg.ErrorTypeHandler)
			sctx, span := m.StartProcess(ctx, &asynqpg.TaskInfo{ID: 1, Type: "a"}, "")
			require.False(t, span.IsRecording())
			observability.EndSpan(span, nil, "")
			require.NotNil(t, sctx)
		})
	}
}

func mustNew(t *testing.T) *observability.Instruments {
	t.Helper()
	in, err := observability.New(nil, nil)
	require.NoError(t, err)
	return in
}
