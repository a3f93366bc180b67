package engine

import (
	"context"
	"errors"
	"runtime/debug"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/yakser/asynqpg"
)

// maxPanicStack is the most bytes of a panicking handler's stack kept in
// its [PanicError] (and so in the task's messages).
const maxPanicStack = 2048

// run runs one attempt on a worker and hands its outcome to the completer.
// The worker is freed once the outcome is handed over.
func (r *typeRunner) run(a *attempt) {
	p := r.p
	defer p.workerDone()
	defer r.release()
	defer a.cancel(nil)

	ctx, cancelTimeout := context.WithTimeoutCause(a.ctx, r.cfg.Timeout, ErrHandlerTimeout)
	defer cancelTimeout()
	ctx = asynqpg.WithTaskMetadata(ctx, taskMetadata(a.task))
	ctx, span := p.cfg.Tracer.Start(ctx, asynqpg.SpanProcess,
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			asynqpg.AttrTaskType.String(a.task.Type),
			attribute.Int64("task_id", a.task.ID),
			attribute.Int("attempt", a.task.AttemptsElapsed+1),
		))
	defer span.End()

	p.cfg.Metrics.TasksInFlight.Add(ctx, 1, r.attrs)
	started := time.Now()
	err := callHandler(ctx, r.cfg.Handler, a.task)
	cause := context.Cause(ctx)
	elapsed := time.Since(started)
	p.cfg.Metrics.TasksInFlight.Add(ctx, -1, r.attrs)

	switch {
	case errors.Is(cause, errAttemptLost):
		p.log.Info("asynqpg: task cancelled, deleted or claimed again while running; the attempt's result is discarded",
			"task_id", a.key.ID, "task_type", a.task.Type, "handler_error", err)
		span.SetStatus(codes.Error, "attempt lost")
		p.forget(a)
		return
	case errors.Is(cause, errShutdown) && err != nil:
		// Interrupted by Stop: no outcome; Stop gives the task back.
		p.log.Info("asynqpg: handler interrupted by shutdown; the task will be given back",
			"task_id", a.key.ID, "task_type", a.task.Type, "handler_error", err)
		span.SetStatus(codes.Error, "interrupted by shutdown")
		return
	case errors.Is(cause, ErrHandlerTimeout):
		err = &TimeoutError{Timeout: r.cfg.Timeout, Err: err}
	}

	d := Decide(err, a.task.AttemptsLeft, a.task.AttemptsElapsed, r.cfg.MaxAttempts, p.cfg.RetryPolicy)
	r.record(ctx, span, d, err, elapsed)
	if err != nil {
		p.log.Debug("asynqpg: attempt failed", "task_id", a.key.ID, "task_type", a.task.Type,
			"outcome", d.Kind, "delay", d.Delay, "error", err)
	}
	o := &outcome{rec: OutcomeRecord{Attempt: a.key, Decision: d}, a: a, err: err}
	if p.comp.submit(o) {
		p.forget(a)
	}
}

// record records the metrics and span status of a finished attempt.
func (r *typeRunner) record(ctx context.Context, span trace.Span, d Decision, err error, elapsed time.Duration) {
	m := r.p.cfg.Metrics
	withStatus := metric.WithAttributes(asynqpg.AttrTaskType.String(r.cfg.Type), asynqpg.AttrStatus.String(d.Kind))
	m.TasksProcessed.Add(ctx, 1, withStatus)
	m.TaskDuration.Record(ctx, elapsed.Seconds(), withStatus)
	span.SetAttributes(asynqpg.AttrStatus.String(d.Kind))
	if err == nil || d.Spent == 0 {
		return
	}
	m.TasksErrors.Add(ctx, 1, metric.WithAttributes(
		asynqpg.AttrTaskType.String(r.cfg.Type), asynqpg.AttrErrorType.String(asynqpg.ErrorTypeHandler)))
	span.RecordError(err)
	span.SetStatus(codes.Error, d.Message)
}

// callHandler runs h, turning a panic into a [*PanicError].
func callHandler(ctx context.Context, h Handler, task *asynqpg.TaskInfo) (err error) {
	defer func() {
		if v := recover(); v != nil {
			stack := debug.Stack()
			if len(stack) > maxPanicStack {
				stack = stack[:maxPanicStack]
			}
			err = &PanicError{Value: v, Stack: stack}
		}
	}()
	return h(ctx, task)
}
