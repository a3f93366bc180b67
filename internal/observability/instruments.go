package observability

import "context"
import "fmt"
import "sync"
import "sync/atomic"
import "time"

import "go.opentelemetry.io/otel/attribute"
import "go.opentelemetry.io/otel/metric"
import metricnoop "go.opentelemetry.io/otel/metric/noop"
import "go.opentelemetry.io/otel/trace"
import tracenoop "go.opentelemetry.io/otel/trace/noop"

import "github.com/yakser/asynqpg"

// maxCachedTypes bounds the task types whose attribute sets are kept; the
// measurements of further types build theirs on every call.
const maxCachedTypes = 1024

// Instruments holds the metric instruments and the tracer one component
// records with. Build it with [New] or [Noop], or fill Metrics and Tracer
// directly; it is safe for concurrent use.
type Instruments struct {
	// Metrics are the instruments of [asynqpg.NewMetrics].
	Metrics *asynqpg.Metrics
	// Tracer starts the component's spans.
	Tracer trace.Tracer

	types  sync.Map // task type → *TaskType
	cached atomic.Int64
}

// New creates the instruments of mp and the tracer of tp. A nil provider
// means the global one (a no-op until the application installs another).
func New(mp metric.MeterProvider, tp trace.TracerProvider) (*Instruments, error) {
	m, err := asynqpg.NewMetrics(mp)
	if err != nil {
		return nil, fmt.Errorf("observability: %w", err)
	}
	return &Instruments{Metrics: m, Tracer: asynqpg.NewTracer(tp)}, nil
}

// Noop returns instruments that record nothing.
func Noop() *Instruments {
	m, err := asynqpg.NewMetrics(metricnoop.NewMeterProvider())
	if err != nil {
		// The no-op meter never fails to create an instrument.
		panic(fmt.Sprintf("observability: no-op metrics: %v", err))
	}
	return &Instruments{Metrics: m, Tracer: tracenoop.NewTracerProvider().Tracer(asynqpg.InstrumentationName)}
}

// Type returns the recorder of taskType's metrics and spans, whose
// attribute sets and span options are built once. An empty taskType
// records without the task_type attribute (a batch of several types, or a
// failure not about one type).
func (in *Instruments) Type(taskType string) *TaskType {
	if v, ok := in.types.Load(taskType); ok {
		return v.(*TaskType)
	}
	t := newTaskType(in, taskType)
	if in.cached.Load() >= maxCachedTypes {
		return t
	}
	v, loaded := in.types.LoadOrStore(taskType, t)
	if !loaded {
		in.cached.Add(1)
	}
	return v.(*TaskType)
}

// TaskType records the metrics and starts the spans of one task type. Its
// metric attribute values are the task type and the bounded values of the
// root package only. Everything it passes per call is built once, so with
// no provider a measurement costs the no-op instrument's call only.
type TaskType struct {
	m        *asynqpg.Metrics
	tracer   trace.Tracer
	taskType string
	typeOnly measurement
	status   map[string]measurement
	errType  map[string]measurement

	enqueueStart []trace.SpanStartOption
	batchStart   []trace.SpanStartOption
	processStart []trace.SpanStartOption
}

// measurement is one attribute set as the options of both kinds of
// instrument calls.
type measurement struct {
	add []metric.AddOption
	rec []metric.RecordOption
}

func newMeasurement(set attribute.Set) measurement {
	o := metric.WithAttributeSet(set)
	return measurement{add: []metric.AddOption{o}, rec: []metric.RecordOption{o}}
}

func newTaskType(in *Instruments, taskType string) *TaskType {
	t := &TaskType{
		m:        in.Metrics,
		tracer:   in.Tracer,
		taskType: taskType,
		typeOnly: newMeasurement(typeSet(taskType)),
		status:   make(map[string]measurement, 4),
		errType:  make(map[string]measurement, 2),
	}
	for _, s := range []string{asynqpg.StatusCompleted, asynqpg.StatusFailed, asynqpg.StatusRetried, asynqpg.StatusSnoozed} {
		t.status[s] = newMeasurement(typeSet(taskType, asynqpg.AttrStatus.String(s)))
	}
	for _, e := range []string{asynqpg.ErrorTypeHandler, asynqpg.ErrorTypeDB} {
		t.errType[e] = newMeasurement(typeSet(taskType, asynqpg.AttrErrorType.String(e)))
	}
	var dest []attribute.KeyValue
	if taskType != "" {
		dest = []attribute.KeyValue{keyDestination.String(taskType), asynqpg.AttrTaskType.String(taskType)}
	}
	spanOptions := func(kind trace.SpanKind, attrs ...attribute.KeyValue) []trace.SpanStartOption {
		return []trace.SpanStartOption{trace.WithSpanKind(kind), trace.WithAttributes(append(attrs, dest...)...)}
	}
	t.enqueueStart = spanOptions(trace.SpanKindProducer, attrSystem, attrOpSend, keyOperation.String(OperationEnqueue))
	t.batchStart = spanOptions(trace.SpanKindProducer, attrSystem, attrOpSend, keyOperation.String(OperationEnqueueMany))
	t.processStart = spanOptions(trace.SpanKindConsumer, attrSystem, attrOpProcess, keyOperation.String(OperationProcess))
	return t
}

// typeSet is the attribute set of taskType (none when empty) and more.
func typeSet(taskType string, more ...attribute.KeyValue) attribute.Set {
	if taskType != "" {
		more = append(more, asynqpg.AttrTaskType.String(taskType))
	}
	return attribute.NewSet(more...)
}

// withStatus returns the measurement of status, one of the
// asynqpg.Status* values.
func (t *TaskType) withStatus(status string) measurement {
	if o, ok := t.status[status]; ok {
		return o
	}
	return newMeasurement(typeSet(t.taskType, asynqpg.AttrStatus.String(status)))
}

// Enqueued counts n tasks enqueued (asynqpg.tasks.enqueued).
func (t *TaskType) Enqueued(ctx context.Context, n int64) {
	t.m.TasksEnqueued.Add(ctx, n, t.typeOnly.add...)
}

// EnqueueDuration records how long an enqueue statement took
// (asynqpg.task.enqueue_duration).
func (t *TaskType) EnqueueDuration(ctx context.Context, d time.Duration) {
	t.m.EnqueueDuration.Record(ctx, d.Seconds(), t.typeOnly.rec...)
}

// InFlight adds delta to the tasks being processed
// (asynqpg.tasks.in_flight): +1 when a handler starts, -1 when it returns.
func (t *TaskType) InFlight(ctx context.Context, delta int64) {
	t.m.TasksInFlight.Add(ctx, delta, t.typeOnly.add...)
}

// Processed counts an attempt whose handler returned, by the status its
// result gives the task (asynqpg.tasks.processed), and records the
// handler's duration (asynqpg.task.duration) with the same attributes.
// status is one of asynqpg.StatusCompleted, StatusFailed, StatusRetried
// and StatusSnoozed.
func (t *TaskType) Processed(ctx context.Context, status string, handler time.Duration) {
	o := t.withStatus(status)
	t.m.TasksProcessed.Add(ctx, 1, o.add...)
	t.m.TaskDuration.Record(ctx, handler.Seconds(), o.rec...)
}

// Error counts an error (asynqpg.tasks.errors) of errorType,
// asynqpg.ErrorTypeHandler or asynqpg.ErrorTypeDB.
func (t *TaskType) Error(ctx context.Context, errorType string) {
	o, ok := t.errType[errorType]
	if !ok {
		o = newMeasurement(typeSet(t.taskType, asynqpg.AttrErrorType.String(errorType)))
	}
	t.m.TasksErrors.Add(ctx, 1, o.add...)
}
