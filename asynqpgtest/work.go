package asynqpgtest

import "context"
import "errors"
import "fmt"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/internal/engine"
import "github.com/yakser/asynqpg/internal/validate"
import "github.com/yakser/asynqpg/producer"

// Outcomes of an attempt, as Result.Outcome reports them.
const (
	// OutcomeCompleted: the handler succeeded; the task is completed.
	OutcomeCompleted = asynqpg.StatusCompleted
	// OutcomeRetried: the attempt failed and the task will be tried again.
	OutcomeRetried = asynqpg.StatusRetried
	// OutcomeSnoozed: the handler snoozed the task (Result.SnoozedFor).
	OutcomeSnoozed = asynqpg.StatusSnoozed
	// OutcomeFailed: the attempt failed and the task is failed for good.
	OutcomeFailed = asynqpg.StatusFailed
)

// Result is what one attempt does to its task, as a consumer records it.
type Result struct {
	// Outcome is OutcomeCompleted, OutcomeRetried, OutcomeSnoozed or
	// OutcomeFailed.
	Outcome string
	// SnoozedFor is how long a snoozed task waits before it runs again.
	SnoozedFor time.Duration
	// Err is the attempt's error as the consumer records it: what the
	// handler returned, a *engine.PanicError when it panicked, a
	// *engine.TimeoutError when it ran past its timeout; nil when it
	// completed.
	Err error
}

// Work runs one attempt at task with h in-process, without a database,
// the way a consumer runs it: the task's metadata in the context
// (asynqpg.GetTaskID and the others; the ID is 0), a timeout of
// consumer.DefaultTimeout (or sooner, at ctx's deadline, as for a type
// registered with that timeout), and a panic recovered as a failure. It
// reports the outcome the consumer would record for the first attempt of
// a task enqueued with task's MaxRetry (producer.DefaultMaxRetry when
// nil) and the default retry policy.
//
// It returns an error, and no Result, for a nil handler, a task the
// producer would refuse (nil, no type, a MaxRetry under 1), or when ctx is
// cancelled while h runs and h returns an error: a consumer that stops
// records no outcome then, it gives the task back.
func Work(ctx context.Context, h consumer.TaskHandler, task *asynqpg.Task) (*Result, error) {
	info, err := attemptOf(ctx, h, task)
	if err != nil {
		return nil, fmt.Errorf("asynqpgtest: Work: %w", err)
	}
	deadline := deadlineOf(ctx)
	actx, cancel := attemptContext(ctx, deadline)
	defer cancel()
	actx = asynqpg.WithTaskMetadata(actx, engine.TaskMetadata(info))
	err = engine.RunHandler(actx, h.Handle, info, time.Until(deadline).Round(time.Millisecond))
	if cause := context.Cause(ctx); err != nil && cause != nil && !errors.Is(cause, context.DeadlineExceeded) {
		return nil, fmt.Errorf("asynqpgtest: Work: attempt interrupted: %w", cause)
	}
	d := engine.Decide(err, info.AttemptsLeft, info.AttemptsElapsed, 0, nil)
	res := &Result{Outcome: d.Kind, Err: err}
	if d.Kind == asynqpg.StatusSnoozed {
		res.SnoozedFor = d.Delay
	}
	return res, nil
}

// attemptOf checks Work's arguments and returns the task as its first
// attempt sees it.
func attemptOf(ctx context.Context, h consumer.TaskHandler, task *asynqpg.Task) (*asynqpg.TaskInfo, error) {
	if err := validate.Context(ctx); err != nil {
		return nil, err
	}
	if validate.IsNil(h) {
		return nil, errors.New("nil handler")
	}
	if task == nil {
		return nil, errors.New("nil task")
	}
	if err := validate.TaskType(task.Type); err != nil {
		return nil, err
	}
	attempts := producer.DefaultMaxRetry
	if task.MaxRetry != nil {
		attempts = *task.MaxRetry
		if err := validate.MaxRetry(attempts); err != nil {
			return nil, err
		}
	}
	return &asynqpg.TaskInfo{
		Type:             task.Type,
		Payload:          task.Payload,
		IdempotencyToken: task.IdempotencyToken,
		Priority:         task.Priority,
		AttemptsLeft:     attempts,
		CreatedAt:        time.Now(),
		Messages:         []string{},
	}, nil
}

// deadlineOf is when an attempt started now under ctx times out.
func deadlineOf(ctx context.Context) time.Time {
	deadline := time.Now().Add(consumer.DefaultTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		return d
	}
	return deadline
}

// attemptContext is the context of an attempt under ctx: done with the
// cause engine.ErrHandlerTimeout at deadline, and with ctx's cause when
// ctx is cancelled before.
func attemptContext(ctx context.Context, deadline time.Time) (context.Context, context.CancelFunc) {
	base, cancelBase := context.WithCancelCause(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			cancelBase(context.Cause(ctx))
		}
	})
	actx, cancel := context.WithDeadlineCause(base, deadline, engine.ErrHandlerTimeout)
	return actx, func() {
		stop()
		cancel()
		cancelBase(context.Canceled)
	}
}
