package client

import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/engine"

// TaskInfo represents the full state of a task as stored in the database.
// It is returned by Client methods for task inspection and management.
type TaskInfo struct {
	// ID is the database-assigned task identifier.
	ID int64
	// Type identifies the handler that processes the task.
	Type string
	// Payload is the opaque task body.
	Payload []byte
	// Status is the task's current status.
	Status asynqpg.TaskStatus
	// IdempotencyToken is the token the task was enqueued with, if any.
	IdempotencyToken *string
	// Messages holds the error messages recorded by failed attempts.
	Messages []string
	// BlockedTill is when a pending task becomes ready (for a running
	// task: when its lease ends).
	BlockedTill time.Time
	// AttemptsLeft is the number of attempts remaining.
	AttemptsLeft int
	// AttemptsElapsed is the number of attempts already made.
	AttemptsElapsed int
	// CreatedAt is when the task was enqueued.
	CreatedAt time.Time
	// UpdatedAt is when the task last changed.
	UpdatedAt time.Time
	// FinalizedAt is when the task reached its terminal status, if it has.
	FinalizedAt *time.Time
	// AttemptedAt is when the task was last claimed, if ever.
	AttemptedAt *time.Time
	// Priority is the task's priority (see asynqpg.Task.Priority).
	Priority int
}

// newTaskInfo is r as a TaskInfo: the two types have the same fields in
// the same order, which the conversion checks when the package compiles.
func newTaskInfo(r *engine.TaskRow) *TaskInfo {
	return (*TaskInfo)(r)
}
