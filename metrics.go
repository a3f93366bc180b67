package asynqpg

import "fmt"

import "go.opentelemetry.io/otel"
import "go.opentelemetry.io/otel/attribute"
import "go.opentelemetry.io/otel/metric"
import "go.opentelemetry.io/otel/trace"

// InstrumentationName is the name of the OpenTelemetry meter and tracer used
// by asynqpg.
const InstrumentationName = "github.com/yakser/asynqpg"

// Names of the metric instruments created by NewMetrics.
const (
	// MetricTasksEnqueued counts tasks enqueued.
	MetricTasksEnqueued = "asynqpg.tasks.enqueued"
	// MetricTasksProcessed counts tasks processed, by outcome status.
	MetricTasksProcessed = "asynqpg.tasks.processed"
	// MetricTasksErrors counts errors, by error type.
	MetricTasksErrors = "asynqpg.tasks.errors"
	// MetricTaskDuration records handler execution time in seconds.
	MetricTaskDuration = "asynqpg.task.duration"
	// MetricEnqueueDuration records enqueue latency in seconds.
	MetricEnqueueDuration = "asynqpg.task.enqueue_duration"
	// MetricTasksInFlight tracks tasks currently being processed.
	MetricTasksInFlight = "asynqpg.tasks.in_flight"
)

// Bounded attribute values for status.
const (
	// StatusCompleted marks a task whose handler succeeded.
	StatusCompleted = "completed"
	// StatusFailed marks a task that failed permanently.
	StatusFailed = "failed"
	// StatusRetried marks a task scheduled for another attempt.
	StatusRetried = "retried"
	// StatusSnoozed marks a task rescheduled by a snooze.
	StatusSnoozed = "snoozed"
)

// Bounded attribute values for error_type.
const (
	// ErrorTypeHandler marks an error returned by (or a panic in) a handler.
	ErrorTypeHandler = "handler_error"
	// ErrorTypeDB marks an error from the database.
	ErrorTypeDB = "db_error"
)

// Attribute keys used across metrics and traces.
var (
	// AttrTaskType carries the task's type.
	AttrTaskType = attribute.Key("task_type")
	// AttrStatus carries one of the Status* values.
	AttrStatus = attribute.Key("status")
	// AttrErrorType carries one of the ErrorType* values.
	AttrErrorType = attribute.Key("error_type")
)

// Metrics holds all OpenTelemetry metric instruments for asynqpg.
// When no MeterProvider is configured, all instruments are noop (zero
// overhead).
type Metrics struct {
	// TasksEnqueued counts tasks enqueued (asynqpg.tasks.enqueued).
	TasksEnqueued metric.Int64Counter
	// TasksProcessed counts tasks processed (asynqpg.tasks.processed).
	TasksProcessed metric.Int64Counter
	// TasksErrors counts errors (asynqpg.tasks.errors).
	TasksErrors metric.Int64Counter
	// TaskDuration records handler duration in seconds (asynqpg.task.duration).
	TaskDuration metric.Float64Histogram
	// EnqueueDuration records enqueue duration in seconds
	// (asynqpg.task.enqueue_duration).
	EnqueueDuration metric.Float64Histogram
	// TasksInFlight tracks tasks being processed (asynqpg.tasks.in_flight).
	TasksInFlight metric.Int64UpDownCounter
}

// NewMetrics creates metric instruments from the given MeterProvider.
// If mp is nil, the global OTel MeterProvider is used.
func NewMetrics(mp metric.MeterProvider) (*Metrics, error) {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	meter := mp.Meter(InstrumentationName)

	var (
		m    Metrics
		errs [6]error
	)
	m.TasksEnqueued, errs[0] = instrument(meter.Int64Counter, MetricTasksEnqueued)
	m.TasksProcessed, errs[1] = instrument(meter.Int64Counter, MetricTasksProcessed)
	m.TasksErrors, errs[2] = instrument(meter.Int64Counter, MetricTasksErrors)
	m.TaskDuration, errs[3] = instrument(meter.Float64Histogram, MetricTaskDuration)
	m.EnqueueDuration, errs[4] = instrument(meter.Float64Histogram, MetricEnqueueDuration)
	m.TasksInFlight, errs[5] = instrument(meter.Int64UpDownCounter, MetricTasksInFlight)
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return &m, nil
}

// instrumentInfo is the kind (in errors), description and unit of each
// instrument NewMetrics creates.
var instrumentInfo = map[string]struct{ kind, description, unit string }{
	MetricTasksEnqueued:   {"counter", "Number of tasks enqueued.", "{task}"},
	MetricTasksProcessed:  {"counter", "Number of tasks processed, by outcome status.", "{task}"},
	MetricTasksErrors:     {"counter", "Number of task errors, by error type.", "{error}"},
	MetricTaskDuration:    {"histogram", "Duration of task handler execution.", "s"},
	MetricEnqueueDuration: {"histogram", "Duration of task enqueue operations.", "s"},
	MetricTasksInFlight:   {"up-down counter", "Number of tasks currently being processed.", "{task}"},
}

// instrument creates the instrument name with create, a method of a
// metric.Meter, with its description and unit from instrumentInfo.
func instrument[T any, O any](create func(string, ...O) (T, error), name string) (T, error) {
	info := instrumentInfo[name]
	v, err := create(name, any(metric.WithDescription(info.description)).(O), any(metric.WithUnit(info.unit)).(O))
	if err != nil {
		return v, fmt.Errorf("create %s %s: %w", name, info.kind, err)
	}
	return v, nil
}

// Span names used by asynqpg's tracing.
const (
	// SpanEnqueue is the producer span of a single enqueue.
	SpanEnqueue = "asynqpg.enqueue"
	// SpanEnqueueMany is the producer span of a batch enqueue.
	SpanEnqueueMany = "asynqpg.enqueue_many"
	// SpanProcess is the consumer span of processing one task.
	SpanProcess = "asynqpg.process"
	// SpanGetTask is the client span of fetching one task.
	SpanGetTask = "asynqpg.get_task"
	// SpanListTasks is the client span of listing tasks.
	SpanListTasks = "asynqpg.list_tasks"
	// SpanCancelTask is the client span of cancelling a task.
	SpanCancelTask = "asynqpg.cancel_task"
	// SpanRetryTask is the client span of retrying a task.
	SpanRetryTask = "asynqpg.retry_task"
	// SpanDeleteTask is the client span of deleting a task.
	SpanDeleteTask = "asynqpg.delete_task"
)

// NewTracer creates a tracer from the given TracerProvider.
// If tp is nil, the global OTel TracerProvider is used.
func NewTracer(tp trace.TracerProvider) trace.Tracer {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	return tp.Tracer(InstrumentationName)
}
