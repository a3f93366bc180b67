package producer

import "time"

import "github.com/yakser/asynqpg"

// EnqueueOption adjusts one call of Enqueue or EnqueueTx. The options
// override fields of the task for that call only; the *asynqpg.Task passed
// in is never modified, so one task value can serve as a template. The
// result is validated like any task, and the usual rules apply to it
// (ProcessAt wins over Delay). A nil EnqueueOption is ignored.
type EnqueueOption func(*enqueueOptions)

// enqueueOptions holds the overrides; nil fields leave the task's value.
type enqueueOptions struct {
	delay     *time.Duration
	processAt *time.Time
	maxRetry  *int
	token     *string
}

// WithDelay overrides the task's Delay.
func WithDelay(d time.Duration) EnqueueOption {
	return func(o *enqueueOptions) { o.delay = &d }
}

// WithProcessAt overrides the task's ProcessAt; the zero time clears it.
func WithProcessAt(t time.Time) EnqueueOption {
	return func(o *enqueueOptions) { o.processAt = &t }
}

// WithMaxRetry overrides the task's MaxRetry (the number of attempts).
func WithMaxRetry(n int) EnqueueOption {
	return func(o *enqueueOptions) { o.maxRetry = &n }
}

// WithIdempotencyToken overrides the task's IdempotencyToken.
func WithIdempotencyToken(token string) EnqueueOption {
	return func(o *enqueueOptions) { o.token = &token }
}

// applyOptions returns task with the overrides of opts, as a copy when
// there are any.
func applyOptions(task *asynqpg.Task, opts []EnqueueOption) *asynqpg.Task {
	if task == nil || len(opts) == 0 {
		return task
	}
	var o enqueueOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	t := *task
	if o.delay != nil {
		t.Delay = *o.delay
	}
	if o.processAt != nil {
		t.ProcessAt = *o.processAt
	}
	if o.maxRetry != nil {
		t.MaxRetry = o.maxRetry
	}
	if o.token != nil {
		t.IdempotencyToken = o.token
	}
	return &t
}
