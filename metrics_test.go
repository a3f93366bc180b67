package asynqpg_test

import "context"
import "testing"

import "github.com/stretchr/testify/require"
import "go.opentelemetry.io/otel/attribute"
import "go.opentelemetry.io/otel/metric"
import sdkmetric "go.opentelemetry.io/otel/sdk/metric"
import "go.opentelemetry.io/otel/sdk/metric/metricdata"
import sdktrace "go.opentelemetry.io/otel/sdk/trace"
import "go.opentelemetry.io/otel/trace"

import "github.com/yakser/asynqpg"

// constant is an exported constant, or a message, and the value it must
// have.
type constant struct{ got, want string }

// requireConstants checks every constant, each in its own parallel subtest
// named after its value.
func requireConstants(t *testing.T, constants []constant) {
	t.Helper()
	for _, c := range constants {
		t.Run(c.want, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, c.want, c.got)
		})
	}
}

// TestTelemetryConstants checks the values of the attribute, span and
// metric names.
func TestTelemetryConstants(t *testing.T) {
	t.Parallel()
	requireConstants(t, []constant{
		{asynqpg.StatusCompleted, "completed"},
		{asynqpg.StatusFailed, "failed"},
		{asynqpg.StatusRetried, "retried"},
		{asynqpg.StatusSnoozed, "snoozed"},
		{asynqpg.ErrorTypeHandler, "handler_error"},
		{asynqpg.ErrorTypeDB, "db_error"},
		{string(asynqpg.AttrTaskType), "task_type"},
		{string(asynqpg.AttrStatus), "status"},
		{string(asynqpg.AttrErrorType), "error_type"},
		{asynqpg.InstrumentationName, "github.com/yakser/asynqpg"},
		{asynqpg.SpanEnqueue, "asynqpg.enqueue"},
		{asynqpg.SpanEnqueueMany, "asynqpg.enqueue_many"},
		{asynqpg.SpanProcess, "asynqpg.process"},
		{asynqpg.SpanGetTask, "asynqpg.get_task"},
		{asynqpg.SpanListTasks, "asynqpg.list_tasks"},
		{asynqpg.SpanCancelTask, "asynqpg.cancel_task"},
		{asynqpg.SpanRetryTask, "asynqpg.retry_task"},
		{asynqpg.SpanDeleteTask, "asynqpg.delete_task"},
		{asynqpg.MetricTasksEnqueued, "asynqpg.tasks.enqueued"},
		{asynqpg.MetricTasksProcessed, "asynqpg.tasks.processed"},
		{asynqpg.MetricTasksErrors, "asynqpg.tasks.errors"},
		{asynqpg.MetricTaskDuration, "asynqpg.task.duration"},
		{asynqpg.MetricEnqueueDuration, "asynqpg.task.enqueue_duration"},
		{asynqpg.MetricTasksInFlight, "asynqpg.tasks.in_flight"},
	})
}

func TestNewMetricsNilProvider(t *testing.T) {
	t.Parallel()

	m, err := asynqpg.NewMetrics(nil)
	require.NoError(t, err)
	require.NotNil(t, m)
	requireAllInstruments(t, m)

	// Recording on the global (noop by default) provider must not panic.
	recordAll(context.Background(), m)
}

func TestNewMetricsSDKProvider(t *testing.T) {
	t.Parallel()

	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })

	m, err := asynqpg.NewMetrics(mp)
	require.NoError(t, err)
	requireAllInstruments(t, m)

	ctx := context.Background()
	recordAll(ctx, m)

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(ctx, &rm))
	require.Len(t, rm.ScopeMetrics, 1)
	scope := rm.ScopeMetrics[0]
	require.Equal(t, asynqpg.InstrumentationName, scope.Scope.Name)

	got := make(map[string]metricdata.Metrics, len(scope.Metrics))
	for _, md := range scope.Metrics {
		got[md.Name] = md
	}

	tests := []struct {
		name string
		unit string
	}{
		{asynqpg.MetricTasksEnqueued, "{task}"},
		{asynqpg.MetricTasksProcessed, "{task}"},
		{asynqpg.MetricTasksErrors, "{error}"},
		{asynqpg.MetricTaskDuration, "s"},
		{asynqpg.MetricEnqueueDuration, "s"},
		{asynqpg.MetricTasksInFlight, "{task}"},
	}
	require.Len(t, got, len(tests))

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			md, ok := got[tt.name]
			require.True(t, ok, "metric %q not collected", tt.name)
			require.NotEmpty(t, md.Description)
			require.Equal(t, tt.unit, md.Unit)
		})
	}
}

func TestNewTracer(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		tp   trace.TracerProvider
	}{
		{"nil provider", nil},
		{"sdk provider", sdktrace.NewTracerProvider()},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tracer := asynqpg.NewTracer(tt.tp)
			require.NotNil(t, tracer)
			_, span := tracer.Start(context.Background(), asynqpg.SpanProcess)
			span.End()
		})
	}
}

func requireAllInstruments(t *testing.T, m *asynqpg.Metrics) {
	t.Helper()
	require.NotNil(t, m.TasksEnqueued)
	require.NotNil(t, m.TasksProcessed)
	require.NotNil(t, m.TasksErrors)
	require.NotNil(t, m.TaskDuration)
	require.NotNil(t, m.EnqueueDuration)
	require.NotNil(t, m.TasksInFlight)
}

func recordAll(ctx context.Context, m *asynqpg.Metrics) {
	typ := metric.WithAttributes(asynqpg.AttrTaskType.String("email:send"))
	m.TasksEnqueued.Add(ctx, 1, typ)
	m.TasksProcessed.Add(ctx, 1, metric.WithAttributes(
		asynqpg.AttrTaskType.String("email:send"),
		asynqpg.AttrStatus.String(asynqpg.StatusCompleted),
	))
	m.TasksErrors.Add(ctx, 1, metric.WithAttributes(
		asynqpg.AttrTaskType.String("email:send"),
		attribute.String(string(asynqpg.AttrErrorType), asynqpg.ErrorTypeHandler),
	))
	m.TaskDuration.Record(ctx, 0.25, typ)
	m.EnqueueDuration.Record(ctx, 0.01, typ)
	m.TasksInFlight.Add(ctx, 1, typ)
}
