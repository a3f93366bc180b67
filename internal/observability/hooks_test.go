package observability_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/internal/observability"
)

// hookAttempt is one attempt recorded through the process hook.
func hookAttempt(m *observability.TaskType, traceContext string) {
	ctx, tel := m.StartAttempt(context.Background(), benchTask, traceContext)
	start := time.Now()
	_ = benchHandler(ctx, benchTask)
	tel.End(ctx, observability.ProcessEnd{Status: asynqpg.StatusCompleted, Handler: time.Since(start)})
}

// hookEnqueue is one enqueue recorded through the enqueue hook.
func hookEnqueue(in *observability.Instruments) {
	ctx, tel := in.StartEnqueue(context.Background(), benchTask.Type)
	_ = tel.TraceContext()
	tel.End(ctx, observability.EnqueueEnd{ID: benchTask.ID, Took: time.Millisecond})
}

// TestHooksNoProviderCost checks that, with no provider, the hooks
// allocate no more than the no-op OpenTelemetry calls they make. Not
// parallel: allocations are counted process-wide.
func TestHooksNoProviderCost(t *testing.T) {
	in, err := observability.New(nil, nil)
	require.NoError(t, err)
	m := in.Type(benchTask.Type)
	floor := testing.AllocsPerRun(1000, newNoopFloor(t).attempt)
	require.LessOrEqual(t, testing.AllocsPerRun(1000, func() { hookAttempt(m, "") }), floor)
	require.LessOrEqual(t, testing.AllocsPerRun(1000, func() { hookEnqueue(in) }), floor)
}

// BenchmarkProcessHookNoProvider is an attempt recorded through the
// process hook with no provider configured.
func BenchmarkProcessHookNoProvider(b *testing.B) {
	in, err := observability.New(nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	m := in.Type(benchTask.Type)
	b.ReportAllocs()
	for b.Loop() {
		hookAttempt(m, "")
	}
}

func TestProcessTraceEnd(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tests := []struct {
		name      string
		end       observability.ProcessEnd
		code      codes.Code
		processed map[string]int64
		errors    map[string]int64
	}{
		{
			name:      "completed",
			end:       observability.ProcessEnd{Status: asynqpg.StatusCompleted, Handler: time.Second},
			code:      codes.Unset,
			processed: map[string]int64{"status=completed,task_type=a": 1},
			errors:    map[string]int64{},
		},
		{
			name:      "failure",
			end:       observability.ProcessEnd{Status: asynqpg.StatusRetried, Handler: time.Second, Failure: boom},
			code:      codes.Error,
			processed: map[string]int64{"status=retried,task_type=a": 1},
			errors:    map[string]int64{"error_type=handler_error,task_type=a": 1},
		},
		{
			name:      "dropped",
			end:       observability.ProcessEnd{Dropped: "interrupted by shutdown"},
			code:      codes.Error,
			processed: map[string]int64{},
			errors:    map[string]int64{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tel := newTelemetry(t)
			m := tel.instruments(t).Type("a")
			ctx, pt := m.StartAttempt(context.Background(), &asynqpg.TaskInfo{ID: 9, Type: "a"}, "")
			pt.End(ctx, tt.end)

			ms := tel.collect(t)
			require.Equal(t, map[string]int64{"task_type=a": 0}, sumPoints(t, ms[asynqpg.MetricTasksInFlight], false))
			require.Equal(t, tt.processed, sumsOf(t, ms, asynqpg.MetricTasksProcessed))
			require.Equal(t, tt.errors, sumsOf(t, ms, asynqpg.MetricTasksErrors))
			spans := tel.spansNamed(asynqpg.SpanProcess)
			require.Len(t, spans, 1)
			require.Equal(t, tt.code, spans[0].Status().Code)
			a := spanAttrs(spans[0])
			if tt.end.Dropped != "" {
				require.Equal(t, tt.end.Dropped, spans[0].Status().Description)
				require.NotContains(t, a, asynqpg.AttrStatus)
				return
			}
			require.Equal(t, tt.end.Status, a[asynqpg.AttrStatus].AsString())
		})
	}
}

func TestEnqueueTraceEnd(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tests := []struct {
		name     string
		many     bool
		end      observability.EnqueueEnd
		code     codes.Code
		enqueued map[string]int64
		errors   map[string]int64
		attrs    map[attribute.Key]attribute.Value
	}{
		{
			name:     "created",
			end:      observability.EnqueueEnd{ID: 5},
			enqueued: map[string]int64{"task_type=a": 1},
			errors:   map[string]int64{},
			attrs:    map[attribute.Key]attribute.Value{observability.AttrTaskID: attribute.Int64Value(5)},
		},
		{
			name:     "duplicate",
			end:      observability.EnqueueEnd{ID: 5, Duplicate: true},
			enqueued: map[string]int64{},
			errors:   map[string]int64{},
			attrs: map[attribute.Key]attribute.Value{
				observability.AttrTaskID: attribute.Int64Value(5), "asynqpg.duplicate": attribute.BoolValue(true),
			},
		},
		{
			name:     "statement failed",
			end:      observability.EnqueueEnd{Err: boom, DBError: true},
			code:     codes.Error,
			enqueued: map[string]int64{},
			errors:   map[string]int64{"error_type=db_error,task_type=a": 1},
			attrs:    map[attribute.Key]attribute.Value{"error.type": attribute.StringValue(asynqpg.ErrorTypeDB)},
		},
		{
			name:     "refused",
			end:      observability.EnqueueEnd{Err: boom},
			code:     codes.Error,
			enqueued: map[string]int64{},
			errors:   map[string]int64{},
			attrs:    map[attribute.Key]attribute.Value{},
		},
		{
			name:     "batch",
			many:     true,
			end:      observability.EnqueueEnd{Created: slices.Values([]string{"a", "b", "a"})},
			enqueued: map[string]int64{"task_type=a": 2, "task_type=b": 1},
			errors:   map[string]int64{},
			attrs:    map[attribute.Key]attribute.Value{"asynqpg.enqueued": attribute.IntValue(3)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tel := newTelemetry(t)
			in := tel.instruments(t)
			name, start := asynqpg.SpanEnqueue, func() (context.Context, observability.EnqueueTrace) {
				return in.StartEnqueue(context.Background(), "a")
			}
			if tt.many {
				name, start = asynqpg.SpanEnqueueMany, func() (context.Context, observability.EnqueueTrace) {
					return in.StartEnqueueMany(context.Background(), "", 3)
				}
			}
			ctx, et := start()
			require.NotEmpty(t, et.TraceContext(), "a recorded span is stored with the task")
			et.End(ctx, tt.end)

			ms := tel.collect(t)
			require.Equal(t, tt.enqueued, sumsOf(t, ms, asynqpg.MetricTasksEnqueued))
			require.Equal(t, tt.errors, sumsOf(t, ms, asynqpg.MetricTasksErrors))
			spans := tel.spansNamed(name)
			require.Len(t, spans, 1)
			require.Equal(t, tt.code, spans[0].Status().Code)
			a := spanAttrs(spans[0])
			for k, v := range tt.attrs {
				require.Equal(t, v, a[k], "attribute %s", k)
			}
			if tt.end.Err == nil {
				require.NotContains(t, a, attribute.Key("error.type"))
			}
		})
	}
}

// sumsOf returns the points of the monotonic counter name by attribute
// key; none when nothing was counted.
func sumsOf(t *testing.T, ms map[string]metricdata.Metrics, name string) map[string]int64 {
	t.Helper()
	m, ok := ms[name]
	if !ok {
		return map[string]int64{}
	}
	return sumPoints(t, m, true)
}
