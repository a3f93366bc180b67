package engine

import "time"

import "github.com/yakser/asynqpg"

// TaskRow is a full row of asynqpg_tasks. client.TaskInfo converts from
// it, field for field: a field added here is added there, in the same
// place.
type TaskRow struct {
	ID               int64
	Type             string
	Payload          []byte
	Status           asynqpg.TaskStatus
	IdempotencyToken *string
	Messages         []string
	BlockedTill      time.Time
	AttemptsLeft     int
	AttemptsElapsed  int
	CreatedAt        time.Time
	UpdatedAt        time.Time
	FinalizedAt      *time.Time
	AttemptedAt      *time.Time
	Priority         int
}

// Info is the row as the TaskInfo a handler gets.
func (r *TaskRow) Info() *asynqpg.TaskInfo {
	return &asynqpg.TaskInfo{
		ID:               r.ID,
		Type:             r.Type,
		Payload:          r.Payload,
		IdempotencyToken: r.IdempotencyToken,
		AttemptsLeft:     r.AttemptsLeft,
		AttemptsElapsed:  r.AttemptsElapsed,
		CreatedAt:        r.CreatedAt,
		AttemptedAt:      r.AttemptedAt,
		Messages:         r.Messages,
		Priority:         r.Priority,
	}
}

// scanner is a driver.Row or driver.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// taskDest returns the scan targets of taskColumns for r, followed by extra.
func taskDest(r *TaskRow, status *string, extra ...any) []any {
	return append([]any{
		&r.ID, &r.Type, &r.Payload, status, &r.IdempotencyToken, &r.Messages, &r.BlockedTill,
		&r.AttemptsLeft, &r.AttemptsElapsed, &r.CreatedAt, &r.UpdatedAt, &r.FinalizedAt, &r.AttemptedAt, &r.Priority,
	}, extra...)
}

// scanTask scans taskColumns, followed by extra targets, into a TaskRow.
func scanTask(s scanner, extra ...any) (*TaskRow, error) {
	var (
		r      TaskRow
		status string
	)
	if err := s.Scan(taskDest(&r, &status, extra...)...); err != nil {
		return nil, err
	}
	r.Status = asynqpg.TaskStatus(status)
	if r.Messages == nil {
		r.Messages = []string{}
	}
	if r.Payload == nil {
		r.Payload = []byte{}
	}
	return &r, nil
}
