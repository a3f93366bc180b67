package asynqpg

import "time"

// The range of Task.Priority.
const (
	// MinPriority is the lowest priority: such a task is claimed after
	// every ready task of its type with a higher one.
	MinPriority = -100
	// MaxPriority is the highest priority.
	MaxPriority = 100
)

// WithPriority sets the task's priority, from MinPriority to MaxPriority
// (0 by default). Among the ready tasks of one type, a higher priority is
// claimed first, then the earlier ready, then the earlier enqueued.
// Priorities order tasks of one type only; each type has its own workers.
func WithPriority(p int) TaskOption {
	return func(t *Task) {
		t.Priority = p
	}
}

// WithUniqueFor makes the task unique per window of period: at most one
// task of the same type and payload is enqueued per window (windows are
// aligned to the Unix epoch and read on the database clock) while an
// earlier one is not cancelled or failed. A colliding enqueue returns the
// existing task's ID with an error matching producer.ErrDuplicateTask, as
// a repeated idempotency token does. period must be positive: the
// producer refuses a task with a period of zero or less.
func WithUniqueFor(period time.Duration) TaskOption {
	return func(t *Task) {
		t.UniqueFor = &period
	}
}
