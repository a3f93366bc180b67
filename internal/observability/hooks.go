package observability

import "context"
import "iter"
import "time"

import "go.opentelemetry.io/otel/attribute"
import "go.opentelemetry.io/otel/codes"
import "go.opentelemetry.io/otel/trace"

import "github.com/yakser/asynqpg"

// The fronts record through one hook per operation, as pgx's tracer hooks
// do: they start it once what the telemetry needs is known (the task type,
// the task ID) and end it once with the operation's result, and record
// nothing in between. Start and End pass values, not pointers, so a hook
// with no provider costs the no-op calls only.

// EnqueueTrace is the telemetry of one Enqueue or EnqueueMany call: its
// asynqpg.enqueue or asynqpg.enqueue_many span and its metrics. Start it
// with [Instruments.StartEnqueue] or [Instruments.StartEnqueueMany], read
// [EnqueueTrace.TraceContext] for the row, and call [EnqueueTrace.End]
// once.
type EnqueueTrace struct {
	in   *Instruments
	t    *TaskType
	span trace.Span
	many bool
}

// EnqueueEnd is how an enqueue call ended.
type EnqueueEnd struct {
	// Err is the error the call returns; nil on success and for a
	// duplicate (see Duplicate).
	Err error
	// DBError says Err is the failure of the insert statement: it is
	// counted as a db_error and set as the span's error.type.
	DBError bool
	// Took is how long the insert statement ran, when it succeeded.
	Took time.Duration
	// ID is the ID of the task of an Enqueue: created, or found with
	// Duplicate.
	ID int64
	// Duplicate says an Enqueue found its task existing and created none.
	Duplicate bool
	// Created yields the type of every task an EnqueueMany created.
	Created iter.Seq[string]
}

// StartEnqueue starts the telemetry of an Enqueue of a task of taskType
// ("" when the task is invalid).
func (in *Instruments) StartEnqueue(ctx context.Context, taskType string) (context.Context, EnqueueTrace) {
	t := in.Type(taskType)
	ctx, span := t.StartEnqueue(ctx)
	return ctx, EnqueueTrace{in: in, t: t, span: span}
}

// StartEnqueueMany starts the telemetry of an EnqueueMany of count tasks,
// all of taskType ("" when they are of several types or one is invalid).
func (in *Instruments) StartEnqueueMany(ctx context.Context, taskType string, count int) (context.Context, EnqueueTrace) {
	t := in.Type(taskType)
	ctx, span := t.StartEnqueueMany(ctx, count)
	return ctx, EnqueueTrace{in: in, t: t, span: span, many: true}
}

// TraceContext returns what to store with the enqueued rows so that their
// process spans join the enqueue's trace ("" when it is not traced).
func (e EnqueueTrace) TraceContext() string {
	sc := e.span.SpanContext()
	if !sc.IsValid() {
		return ""
	}
	return InjectTraceContext(trace.ContextWithSpanContext(context.Background(), sc))
}

// End records how the call ended and ends its span: a failure on the
// span (and, from the statement, in asynqpg.tasks.errors), otherwise the
// statement's duration, the tasks created and, for Enqueue, the task's ID.
func (e EnqueueTrace) End(ctx context.Context, end EnqueueEnd) {
	if end.Err != nil {
		errorType := ""
		if end.DBError {
			errorType = asynqpg.ErrorTypeDB
			e.t.Error(ctx, errorType)
		}
		EndSpan(e.span, end.Err, errorType)
		return
	}
	e.t.EnqueueDuration(ctx, end.Took)
	if e.many {
		e.created(ctx, end.Created)
	} else {
		Enqueued(e.span, end.ID)
		if !end.Duplicate {
			e.t.Enqueued(ctx, 1)
		}
	}
	if end.Duplicate {
		e.span.SetAttributes(attribute.Bool("asynqpg.duplicate", true))
	}
	e.span.End()
}

// created counts the tasks of a batch per type, and sets how many there
// are on the span.
func (e EnqueueTrace) created(ctx context.Context, types iter.Seq[string]) {
	perType := make(map[string]int64)
	n := 0
	if types != nil {
		for typ := range types {
			perType[typ]++
			n++
		}
	}
	for typ, count := range perType {
		e.in.Type(typ).Enqueued(ctx, count)
	}
	e.span.SetAttributes(attribute.Int("asynqpg.enqueued", n))
}

// ProcessTrace is the telemetry of one attempt at a task: its
// asynqpg.process span, the in-flight gauge, and the processed, duration
// and error metrics. Start it with [TaskType.StartAttempt] before the
// handler runs and call [ProcessTrace.End] once.
type ProcessTrace struct {
	t    *TaskType
	span trace.Span
}

// ProcessEnd is how an attempt ended.
type ProcessEnd struct {
	// Dropped, when not empty, says the attempt has no outcome (its task
	// was cancelled, deleted or claimed again, or a shutdown interrupted
	// it): the span's Error status text. Nothing is counted.
	Dropped string
	// Status is the status the attempt's result gives the task, one of
	// asynqpg.StatusCompleted, StatusFailed, StatusRetried and
	// StatusSnoozed.
	Status string
	// Handler is how long the handler ran.
	Handler time.Duration
	// Failure is the handler's result when it spent an attempt (a
	// handler_error); nil otherwise, a snooze included.
	Failure error
}

// StartAttempt starts the telemetry of an attempt at task, a task of the
// type: the process span (see [TaskType.StartProcess]), and the task
// counted in flight.
func (t *TaskType) StartAttempt(ctx context.Context, task *asynqpg.TaskInfo, traceContext string) (context.Context, ProcessTrace) {
	ctx, span := t.StartProcess(ctx, task, traceContext)
	t.InFlight(ctx, 1)
	return ctx, ProcessTrace{t: t, span: span}
}

// End records how the attempt ended and ends its span: the task leaves
// the in-flight count; an attempt with an outcome is counted as processed
// with its status and handler duration, and a failure is counted as a
// handler error and recorded on the span.
func (p ProcessTrace) End(ctx context.Context, end ProcessEnd) {
	p.t.InFlight(ctx, -1)
	if end.Dropped != "" {
		p.span.SetStatus(codes.Error, end.Dropped)
		p.span.End()
		return
	}
	p.t.Processed(ctx, end.Status, end.Handler)
	if p.span.IsRecording() {
		p.span.SetAttributes(asynqpg.AttrStatus.String(end.Status))
	}
	if end.Failure == nil {
		p.span.End()
		return
	}
	p.t.Error(ctx, asynqpg.ErrorTypeHandler)
	EndSpan(p.span, end.Failure, asynqpg.ErrorTypeHandler)
}

// ClientTrace is the telemetry of one client action: its span (kind
// Client). Start it with [StartClientAction] and call [ClientTrace.End]
// once.
type ClientTrace struct {
	span trace.Span
}

// ClientEnd is how a client action ended.
type ClientEnd struct {
	// Err is the error the action returns.
	Err error
	// TaskType is the type of the task acted on, when it was found (with
	// or without an error).
	TaskType string
	// Attributes are set on the span of an action that succeeded.
	Attributes []attribute.KeyValue
}

// StartClientAction starts the span of a client action, as [StartClient].
func StartClientAction(ctx context.Context, tracer trace.Tracer, name string, attrs ...attribute.KeyValue) (context.Context, ClientTrace) {
	ctx, span := StartClient(ctx, tracer, name, attrs...)
	return ctx, ClientTrace{span: span}
}

// End sets the task type and, on success, the attributes of end on the
// span, records its error, and ends it.
func (c ClientTrace) End(end ClientEnd) {
	if end.TaskType != "" {
		c.span.SetAttributes(asynqpg.AttrTaskType.String(end.TaskType))
	}
	if end.Err == nil && len(end.Attributes) > 0 {
		c.span.SetAttributes(end.Attributes...)
	}
	EndSpan(c.span, end.Err, "")
}
