package observability_test

import "context"
import "errors"
import "slices"
import "testing"
import "time"

import "github.com/stretchr/testify/require"
import "go.opentelemetry.io/otel/attribute"
import "go.opentelemetry.io/otel/codes"
import "go.opentelemetry.io/otel/sdk/metric/metricdata"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/observability"

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

func TestProcessTraceEnd(t *testing.T) {
	t.Parallel()
	type want struct {
		code              codes.Code
		processed, errors map[string]int64
	}
	none := map[string]int64{}
	cases := map[string]struct {
		end  observability.ProcessEnd
		want want
	}{
		"completed": {
			observability.ProcessEnd{Status: asynqpg.StatusCompleted, Handler: time.Second},
			want{codes.Unset, map[string]int64{"status=completed,task_type=a": 1}, none},
		},
		"failure": {
			observability.ProcessEnd{Status: asynqpg.StatusRetried, Handler: time.Second, Failure: errors.New("boom")},
			want{codes.Error, map[string]int64{"status=retried,task_type=a": 1},
				map[string]int64{"error_type=handler_error,task_type=a": 1}},
		},
		"dropped": {
			observability.ProcessEnd{Dropped: "interrupted by shutdown"},
			want{codes.Error, none, none},
		},
	}
	for name, tt := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tel := newTelemetry(t)
			m := tel.instruments(t).Type("a")
			ctx, pt := m.StartAttempt(context.Background(), &asynqpg.TaskInfo{ID: 9, Type: "a"}, "")
			pt.End(ctx, tt.end)

			ms := tel.collect(t)
			require.Equal(t, map[string]int64{"task_type=a": 0}, sumPoints(t, ms[asynqpg.MetricTasksInFlight], false))
			require.Equal(t, tt.want.processed, sumsOf(t, ms, asynqpg.MetricTasksProcessed))
			require.Equal(t, tt.want.errors, sumsOf(t, ms, asynqpg.MetricTasksErrors))
			spans := tel.spansNamed(asynqpg.SpanProcess)
			require.Len(t, spans, 1)
			require.Equal(t, tt.want.code, spans[0].Status().Code)
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
	none := map[string]int64{}
	id5 := map[attribute.Key]attribute.Value{observability.AttrTaskID: attribute.Int64Value(5)}
	type want struct {
		code             codes.Code
		enqueued, errors map[string]int64
		attrs            map[attribute.Key]attribute.Value
	}
	cases := map[string]struct {
		many bool
		end  observability.EnqueueEnd
		want want
	}{
		"created": {false, observability.EnqueueEnd{ID: 5}, want{codes.Unset, map[string]int64{"task_type=a": 1}, none, id5}},
		"duplicate": {false, observability.EnqueueEnd{ID: 5, Duplicate: true}, want{codes.Unset, none, none,
			map[attribute.Key]attribute.Value{observability.AttrTaskID: attribute.Int64Value(5), "asynqpg.duplicate": attribute.BoolValue(true)}}},
		"statement failed": {false, observability.EnqueueEnd{Err: boom, DBError: true}, want{codes.Error, none,
			map[string]int64{"error_type=db_error,task_type=a": 1},
			map[attribute.Key]attribute.Value{"error.type": attribute.StringValue(asynqpg.ErrorTypeDB)}}},
		"refused": {false, observability.EnqueueEnd{Err: boom}, want{codes.Error, none, none, nil}},
		"batch": {true, observability.EnqueueEnd{Created: slices.Values([]string{"a", "b", "a"})}, want{codes.Unset,
			map[string]int64{"task_type=a": 2, "task_type=b": 1}, none,
			map[attribute.Key]attribute.Value{"asynqpg.enqueued": attribute.IntValue(3)}}},
	}
	for name, tt := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tel := newTelemetry(t)
			in := tel.instruments(t)
			span, start := asynqpg.SpanEnqueue, func() (context.Context, observability.EnqueueTrace) {
				return in.StartEnqueue(context.Background(), "a")
			}
			if tt.many {
				span, start = asynqpg.SpanEnqueueMany, func() (context.Context, observability.EnqueueTrace) {
					return in.StartEnqueueMany(context.Background(), "", 3)
				}
			}
			ctx, et := start()
			require.NotEmpty(t, et.TraceContext(), "a recorded span is stored with the task")
			et.End(ctx, tt.end)

			ms := tel.collect(t)
			require.Equal(t, tt.want.enqueued, sumsOf(t, ms, asynqpg.MetricTasksEnqueued))
			require.Equal(t, tt.want.errors, sumsOf(t, ms, asynqpg.MetricTasksErrors))
			spans := tel.spansNamed(span)
			require.Len(t, spans, 1)
			require.Equal(t, tt.want.code, spans[0].Status().Code)
			a := spanAttrs(spans[0])
			for k, v := range tt.want.attrs {
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
