package producer

import "fmt"

import "github.com/yakser/asynqpg/internal/engine"

// duplicateError is the error of an enqueue of nt that found the existing
// task id: one with the same idempotency token, or the live task of its
// unique window.
func duplicateError(nt engine.NewTask, id int64) error {
	if nt.IdempotencyToken != nil {
		return fmt.Errorf("enqueue task: %w: type %q, idempotency token %q, existing task %d",
			ErrDuplicateTask, nt.Type, *nt.IdempotencyToken, id)
	}
	return fmt.Errorf("enqueue task: %w: type %q, unique for %v, existing task %d",
		ErrDuplicateTask, nt.Type, nt.UniqueFor, id)
}
