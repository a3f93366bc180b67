package asynqpg

import "time"

// Task represents a unit of work to be enqueued.
// Use NewTask to create a task for enqueueing via Producer.
// Handlers receive *TaskInfo which contains runtime fields like ID, attempt
// info, etc.
type Task struct {
	// Type identifies the handler that processes the task.
	Type string
	// Payload is the opaque task body passed to the handler. It must not
	// be nil: use []byte{} for a task without a payload.
	Payload []byte
	// IdempotencyToken, when set, deduplicates enqueues of the same task.
	IdempotencyToken *string
	// Delay postpones the task's availability relative to enqueue time.
	Delay time.Duration
	// MaxRetry overrides the producer's default number of retries. It
	// counts attempts, the first run included: 1 runs the task once with
	// no retry, and it must be at least 1.
	MaxRetry *int
	// ProcessAt, when non-zero, is the time the task becomes available.
	ProcessAt time.Time
	// Priority orders the ready tasks of one type: a higher priority is
	// claimed first. From MinPriority to MaxPriority; 0 by default.
	Priority int
	// UniqueFor, when set, makes the task unique per window of this
	// length, which must be positive (see WithUniqueFor).
	UniqueFor *time.Duration
}

// TaskOption configures a Task.
type TaskOption func(*Task)

// NewTask creates a new task with the given type and payload. The
// producer refuses a nil payload ("task payload cannot be nil"): pass
// []byte{} for a task that carries none.
func NewTask(taskType string, payload []byte, opts ...TaskOption) *Task {
	t := &Task{
		Type:    taskType,
		Payload: payload,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(t)
		}
	}
	return t
}

// WithDelay sets the delay before the task becomes available for processing.
func WithDelay(d time.Duration) TaskOption {
	return func(t *Task) {
		t.Delay = d
	}
}

// WithIdempotencyToken sets the idempotency token for the task.
func WithIdempotencyToken(token string) TaskOption {
	return func(t *Task) {
		t.IdempotencyToken = &token
	}
}

// WithMaxRetry sets the maximum number of retries for the task. n counts
// attempts, the first run included (it is the task's attempts_left at
// insert): WithMaxRetry(1) runs the task once and fails it on its first
// error, WithMaxRetry(3) allows two retries. The producer refuses n < 1.
func WithMaxRetry(n int) TaskOption {
	return func(t *Task) {
		t.MaxRetry = &n
	}
}
