package asynqpgtest_test

import "context"
import "errors"
import "strings"
import "testing"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/asynqpgtest"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/internal/engine"

func handlerOf(f func(ctx context.Context, task *asynqpg.TaskInfo) error) consumer.TaskHandler {
	return consumer.TaskHandlerFunc(f)
}

func returning(err error) consumer.TaskHandler {
	return handlerOf(func(context.Context, *asynqpg.TaskInfo) error { return err })
}

// typedNil is an error whose Error panics on a nil receiver.
type typedNil struct{ msg *string }

func (e *typedNil) Error() string { return *e.msg }

func TestWorkOutcomes(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tests := []struct {
		name       string
		handler    consumer.TaskHandler
		maxRetry   *int
		ctxTimeout time.Duration
		outcome    string
		snoozedFor time.Duration
		err        func(error) bool
	}{
		{name: "nil completes", handler: returning(nil), outcome: asynqpgtest.OutcomeCompleted,
			err: func(err error) bool { return err == nil }},
		{name: "error retries", handler: returning(boom), outcome: asynqpgtest.OutcomeRetried,
			err: func(err error) bool { return errors.Is(err, boom) }},
		{name: "error on the last attempt fails", handler: returning(boom), maxRetry: ptr(1),
			outcome: asynqpgtest.OutcomeFailed, err: func(err error) bool { return errors.Is(err, boom) }},
		{name: "skip retry fails", handler: returning(errors.Join(boom, asynqpg.ErrSkipRetry)),
			outcome: asynqpgtest.OutcomeFailed, err: func(err error) bool { return errors.Is(err, asynqpg.ErrSkipRetry) }},
		{name: "snooze", handler: returning(asynqpg.TaskSnooze(5 * time.Minute)),
			outcome: asynqpgtest.OutcomeSnoozed, snoozedFor: 5 * time.Minute,
			err: func(err error) bool { var s *asynqpg.TaskSnoozeError; return errors.As(err, &s) }},
		{name: "snooze with error", handler: returning(asynqpg.TaskSnoozeWithError(time.Minute)),
			outcome: asynqpgtest.OutcomeSnoozed, snoozedFor: time.Minute,
			err: func(err error) bool { var s *asynqpg.TaskSnoozeWithErrError; return errors.As(err, &s) }},
		{name: "snooze with error on the last attempt fails", handler: returning(asynqpg.TaskSnoozeWithError(time.Minute)),
			maxRetry: ptr(1), outcome: asynqpgtest.OutcomeFailed,
			err: func(err error) bool { var s *asynqpg.TaskSnoozeWithErrError; return errors.As(err, &s) }},
		{name: "panic fails", outcome: asynqpgtest.OutcomeFailed,
			handler: handlerOf(func(context.Context, *asynqpg.TaskInfo) error { panic("kaput") }),
			err: func(err error) bool {
				var p *engine.PanicError
				return errors.As(err, &p) && p.Value == "kaput" && len(p.Stack) > 0
			}},
		{name: "error that panics when read fails", handler: returning(&typedNil{}), outcome: asynqpgtest.OutcomeFailed,
			err: func(err error) bool { var p *engine.PanicError; return errors.As(err, &p) }},
		{name: "timeout at the context's deadline", ctxTimeout: 50 * time.Millisecond, outcome: asynqpgtest.OutcomeRetried,
			handler: handlerOf(func(ctx context.Context, _ *asynqpg.TaskInfo) error { <-ctx.Done(); return ctx.Err() }),
			err: func(err error) bool {
				var te *engine.TimeoutError
				return errors.Is(err, engine.ErrHandlerTimeout) && errors.As(err, &te) && errors.Is(te.Err, context.DeadlineExceeded)
			}},
		{name: "nil returned after the timeout still fails", ctxTimeout: 20 * time.Millisecond, outcome: asynqpgtest.OutcomeRetried,
			handler: handlerOf(func(ctx context.Context, _ *asynqpg.TaskInfo) error { <-ctx.Done(); return nil }),
			err:     func(err error) bool { return errors.Is(err, engine.ErrHandlerTimeout) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			if tt.ctxTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.ctxTimeout)
				defer cancel()
			}
			task := asynqpg.NewTask("work", []byte(`{}`))
			task.MaxRetry = tt.maxRetry
			res, err := asynqpgtest.Work(ctx, tt.handler, task)
			if err != nil {
				t.Fatalf("Work: %v", err)
			}
			if res.Outcome != tt.outcome || res.SnoozedFor != tt.snoozedFor {
				t.Errorf("outcome %q snoozed for %s, expected %q and %s", res.Outcome, res.SnoozedFor, tt.outcome, tt.snoozedFor)
			}
			if !tt.err(res.Err) {
				t.Errorf("unexpected Err %#v", res.Err)
			}
		})
	}
}

// The handler gets the task and its metadata as from a consumer.
func TestWorkMetadata(t *testing.T) {
	t.Parallel()
	var got struct {
		info              *asynqpg.TaskInfo
		retries, maxRetry int
		deadline          time.Time
		ok                bool
	}
	h := handlerOf(func(ctx context.Context, task *asynqpg.TaskInfo) error {
		got.info = task
		r, ok1 := asynqpg.GetRetryCount(ctx)
		m, ok2 := asynqpg.GetMaxRetry(ctx)
		_, ok3 := asynqpg.GetTaskID(ctx)
		d, ok4 := ctx.Deadline()
		got.retries, got.maxRetry, got.deadline, got.ok = r, m, d, ok1 && ok2 && ok3 && ok4
		return nil
	})
	started := time.Now()
	if _, err := asynqpgtest.Work(context.Background(), h, asynqpg.NewTask("meta", []byte(`"x"`), asynqpg.WithMaxRetry(4))); err != nil {
		t.Fatal(err)
	}
	if !got.ok || got.retries != 0 || got.maxRetry != 4 {
		t.Errorf("metadata: retries %d, max retry %d, all present %v", got.retries, got.maxRetry, got.ok)
	}
	if got.info.Type != "meta" || string(got.info.Payload) != `"x"` || got.info.AttemptsLeft != 4 || got.info.AttemptsElapsed != 0 {
		t.Errorf("task %+v", got.info)
	}
	if d := got.deadline.Sub(started); d < consumer.DefaultTimeout-time.Second || d > consumer.DefaultTimeout+time.Second {
		t.Errorf("deadline in %s, expected the default timeout %s", d, consumer.DefaultTimeout)
	}
}

func TestWorkRefuses(t *testing.T) {
	t.Parallel()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	waitsForCancel := handlerOf(func(ctx context.Context, _ *asynqpg.TaskInfo) error { <-ctx.Done(); return ctx.Err() })
	tests := []struct {
		name    string
		ctx     context.Context
		handler consumer.TaskHandler
		task    *asynqpg.Task
		want    string
	}{
		{name: "nil context", handler: returning(nil), task: asynqpg.NewTask("t", nil), want: "context cannot be nil"},
		{name: "nil handler", ctx: context.Background(), task: asynqpg.NewTask("t", nil), want: "nil handler"},
		{name: "nil func handler", ctx: context.Background(), handler: consumer.TaskHandlerFunc(nil), task: asynqpg.NewTask("t", nil), want: "nil handler"},
		{name: "nil task", ctx: context.Background(), handler: returning(nil), want: "nil task"},
		{name: "empty type", ctx: context.Background(), handler: returning(nil), task: asynqpg.NewTask("", nil), want: "task type cannot be empty"},
		{name: "zero max retry", ctx: context.Background(), handler: returning(nil),
			task: asynqpg.NewTask("t", nil, asynqpg.WithMaxRetry(0)), want: "task max retry must be at least 1, got 0"},
		{name: "cancelled while running", ctx: cancelled, handler: waitsForCancel, task: asynqpg.NewTask("t", nil),
			want: "attempt interrupted: context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := asynqpgtest.Work(tt.ctx, tt.handler, tt.task)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "asynqpgtest: Work: ") {
				t.Fatalf("Work returned %+v, %v; expected an error containing %q", res, err, tt.want)
			}
			if res != nil {
				t.Errorf("returned a result %+v with the error", res)
			}
		})
	}
}
