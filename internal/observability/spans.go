package observability

import "context"
import "fmt"
import "strconv"

import "go.opentelemetry.io/otel/attribute"
import "go.opentelemetry.io/otel/codes"
import "go.opentelemetry.io/otel/trace"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/validate"

// Span attributes are given at the start where they are the same for every
// task of a type (so samplers see them), and set after the start, only on
// a recording span, where they differ per task (ID, attempt, batch size).

// StartEnqueue starts the asynqpg.enqueue span (kind Producer) of one task
// of the type. Its context is what [InjectTraceContext] stores with the
// task. Call [Enqueued] once the task has its ID, then [EndSpan].
func (t *TaskType) StartEnqueue(ctx context.Context) (context.Context, trace.Span) {
	return t.tracer.Start(ctx, asynqpg.SpanEnqueue, t.enqueueStart...)
}

// Enqueued sets the ID of the task an asynqpg.enqueue span enqueued (or
// found, for a duplicate).
func Enqueued(span trace.Span, id int64) {
	if span.IsRecording() {
		span.SetAttributes(keyMessageID.String(strconv.FormatInt(id, 10)), AttrTaskID.Int64(id))
	}
}

// StartEnqueueMany starts the asynqpg.enqueue_many span (kind Producer)
// of a batch of count tasks of the type; the type is "" (Instruments.Type
// of "") for a batch of several types, and the span then has no
// destination.
func (t *TaskType) StartEnqueueMany(ctx context.Context, count int) (context.Context, trace.Span) {
	ctx, span := t.tracer.Start(ctx, asynqpg.SpanEnqueueMany, t.batchStart...)
	if span.IsRecording() {
		span.SetAttributes(keyBatchCount.Int(count))
	}
	return ctx, span
}

// StartProcess starts the asynqpg.process span (kind Consumer) of one
// attempt at task, a task of the type. traceContext is what
// [InjectTraceContext] stored with the task; when it holds a valid span
// context, the process span is that span's child and links to it, so the
// enqueue and every attempt share one trace, across processes.
func (t *TaskType) StartProcess(ctx context.Context, task *asynqpg.TaskInfo, traceContext string) (context.Context, trace.Span) {
	opts := t.processStart
	if sc, ok := ExtractTraceContext(traceContext); ok {
		ctx = trace.ContextWithRemoteSpanContext(ctx, sc)
		opts = append(opts[:len(opts):len(opts)], trace.WithLinks(trace.Link{SpanContext: sc}))
	}
	ctx, span := t.tracer.Start(ctx, asynqpg.SpanProcess, opts...)
	if span.IsRecording() {
		span.SetAttributes(
			keyMessageID.String(strconv.FormatInt(task.ID, 10)),
			AttrTaskID.Int64(task.ID),
			AttrTaskAttempt.Int(task.AttemptsElapsed+1),
		)
	}
	return ctx, span
}

// StartClient starts the span (kind Client) of a client method, name being
// one of asynqpg.SpanGetTask, SpanListTasks, SpanCancelTask,
// SpanRetryTask and SpanDeleteTask.
func StartClient(ctx context.Context, tracer trace.Tracer, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	all := make([]attribute.KeyValue, 0, len(attrs)+1)
	all = append(append(all, attrSystem), attrs...)
	return tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(all...))
}

// EndSpan ends span. A non-nil err is recorded on it with the Error
// status; errorType, when not empty, is set as the error.type attribute
// (asynqpg.ErrorTypeHandler or asynqpg.ErrorTypeDB).
func EndSpan(span trace.Span, err error, errorType string) {
	if err != nil {
		// As span.RecordError does, but with a text that cannot panic:
		// the error may come from a handler.
		msg := validate.ErrorText(err)
		span.AddEvent("exception", trace.WithAttributes(
			attribute.String("exception.type", fmt.Sprintf("%T", err)),
			attribute.String("exception.message", msg)))
		span.SetStatus(codes.Error, msg)
		if errorType != "" {
			span.SetAttributes(keySemconvError.String(errorType))
		}
	}
	span.End()
}
