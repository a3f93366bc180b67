package asynqpg

import "time"

// TaskInfo represents a task fetched from the database for processing.
// Handlers receive *TaskInfo with all runtime information.
// Unlike Task (used for enqueueing), TaskInfo includes database-assigned
// fields.
type TaskInfo struct {
	// ID is the database-assigned task identifier.
	ID int64
	// Type identifies the handler that processes the task.
	Type string
	// Payload is the opaque task body.
	Payload []byte
	// IdempotencyToken is the token the task was enqueued with, if any.
	IdempotencyToken *string
	// AttemptsLeft is the number of attempts remaining.
	AttemptsLeft int
	// AttemptsElapsed is the number of attempts already made.
	AttemptsElapsed int
	// CreatedAt is when the task was enqueued.
	CreatedAt time.Time
	// AttemptedAt is when the task was last claimed, if ever.
	AttemptedAt *time.Time
	// Messages holds the error messages recorded by failed attempts.
	Messages []string
	// Priority is the priority the task was enqueued with (see
	// Task.Priority).
	Priority int
}

// TaskStatus represents the current status of a task in the database.
type TaskStatus string

// Task statuses as stored in the database.
const (
	// TaskStatusPending means the task waits to be claimed.
	TaskStatusPending TaskStatus = "pending"
	// TaskStatusRunning means a consumer has claimed the task.
	TaskStatusRunning TaskStatus = "running"
	// TaskStatusCompleted means the handler succeeded.
	TaskStatusCompleted TaskStatus = "completed"
	// TaskStatusFailed means the task failed permanently.
	TaskStatusFailed TaskStatus = "failed"
	// TaskStatusCancelled means the task was cancelled.
	TaskStatusCancelled TaskStatus = "cancelled"
)

// IsFinalized returns true if the task is in a terminal state.
func (s TaskStatus) IsFinalized() bool {
	switch s {
	case TaskStatusCompleted, TaskStatusFailed, TaskStatusCancelled:
		return true
	default:
		return false
	}
}
