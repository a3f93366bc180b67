package engine

import "context"
import "errors"
import "fmt"
import "runtime/debug"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/observability"
import "github.com/yakser/asynqpg/internal/validate"

// maxPanicStack is the most bytes of a panicking handler's stack kept in
// its [PanicError] (and so in the task's messages).
const maxPanicStack = 2048

// run runs one attempt on a worker and hands its outcome to the
// completer, which signals settled once the outcome's fate is known; it
// reports whether it handed one over. The attempt's metrics are recorded
// and its span ended before the outcome is handed over, so they are in
// place by the time the outcome is visible in the database.
func (r *typeRunner) run(a *attempt, settled chan<- bool) bool {
	p := r.p
	defer p.workerDone()
	defer a.cancel()

	ctx := asynqpg.WithTaskMetadata(a.ctx, TaskMetadata(a.task))
	ctx, tel := r.obs.StartAttempt(ctx, a.task, a.traceContext)
	started := time.Now()
	err := RunHandler(ctx, r.cfg.Handler, a.task, r.cfg.Timeout)
	cause := context.Cause(ctx)
	elapsed := time.Since(started)

	switch {
	case p.isLost(a):
		tel.End(ctx, observability.ProcessEnd{Dropped: "attempt lost: task cancelled, deleted or claimed again"})
		p.log.InfoContext(ctx, "asynqpg: task cancelled, deleted or claimed again while running; the attempt's result is discarded",
			"task_id", a.key.ID, "task_type", r.cfg.Type, "handler_error", validate.ErrorText(err))
		p.forget(a)
		return false
	case errors.Is(cause, errShutdown) && err != nil:
		// Interrupted by Stop: no outcome; Stop gives the task back.
		tel.End(ctx, observability.ProcessEnd{Dropped: "interrupted by shutdown"})
		p.log.InfoContext(ctx, "asynqpg: handler interrupted by shutdown; the task will be given back",
			"task_id", a.key.ID, "task_type", r.cfg.Type, "handler_error", validate.ErrorText(err))
		return false
	}

	// The decision is made from the attempt's own record of the task, not
	// from the TaskInfo the handler may have changed.
	d := Decide(err, a.attemptsLeft, a.attemptsElapsed, r.cfg.MaxAttempts, p.cfg.RetryPolicy)
	end := observability.ProcessEnd{Status: d.Kind, Handler: elapsed}
	if d.Spent != 0 {
		end.Failure = err // a plain snooze is no error
	}
	tel.End(ctx, end)
	if err != nil {
		p.log.DebugContext(ctx, "asynqpg: attempt failed", "task_id", a.key.ID, "task_type", r.cfg.Type,
			"outcome", d.Kind, "delay", d.Delay, "error", d.Message)
	}
	o := &outcome{rec: OutcomeRecord{Attempt: a.key, Decision: d}, a: a, err: err, settled: settled}
	if !r.submit(o) {
		return false
	}
	p.forget(a)
	return true
}

// RunHandler runs one attempt at task with h and returns its result as a
// worker reads it before [Decide]: a panic becomes a [*PanicError], a
// result whose methods panic becomes one too, and once ctx has reached
// the task type's timeout (its cause is [ErrHandlerTimeout]) the result
// becomes a [*TimeoutError] for timeout, whatever h returned. ctx should
// carry the task's metadata ([TaskMetadata]) and that timeout.
func RunHandler(ctx context.Context, h Handler, task *asynqpg.TaskInfo, timeout time.Duration) error {
	err := examine(callHandler(ctx, h, task))
	if errors.Is(context.Cause(ctx), ErrHandlerTimeout) {
		return &TimeoutError{Timeout: timeout, Err: err}
	}
	return err
}

// examine returns what a handler returned if its methods behave: Error,
// and the Is and As the decision and the logs use. When one of them
// panics (a typed nil pointer whose Error dereferences it, say), it
// returns a [*PanicError] that says so instead, which fails the task: its
// result cannot be read.
func examine(err error) (out error) {
	if err == nil {
		return nil
	}
	defer func() {
		if v := recover(); v != nil {
			out = &PanicError{Value: fmt.Sprintf("the %T the handler returned panicked when read: %s", err,
				validate.PanicText(v))}
		}
	}()
	_ = err.Error()
	var (
		snooze    *asynqpg.TaskSnoozeError
		snoozeErr *asynqpg.TaskSnoozeWithErrError
		panicErr  *PanicError
	)
	_ = errors.As(err, &snooze) || errors.As(err, &snoozeErr) || errors.As(err, &panicErr)
	_ = errors.Is(err, asynqpg.ErrSkipRetry)
	return err
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
