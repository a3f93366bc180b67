package producer

import "errors"
import "fmt"

var (
	// ErrDuplicateTask is returned by Enqueue when a task with the same
	// type and idempotency token exists already; the ID returned with it
	// is that task's.
	ErrDuplicateTask = errors.New("task with this type and idempotency token already exists")

	// ErrInvalidTask matches every error about a task rejected before
	// anything was written (see InvalidTaskError).
	ErrInvalidTask = errors.New("invalid task")

	// ErrPayloadTooLarge matches the error about a payload larger than
	// MaxPayloadSize. Such an error matches ErrInvalidTask too.
	ErrPayloadTooLarge = errors.New("payload too large")

	// errNilExecutor is returned by the Tx methods for a nil transaction,
	// before the task is looked at.
	errNilExecutor = errors.New("executor cannot be nil")
)

// InvalidTaskError describes a task rejected before anything was written.
// It matches ErrInvalidTask, and ErrPayloadTooLarge when that is the
// reason, with errors.Is.
type InvalidTaskError struct {
	// Index is the position of the task in the batch given to
	// EnqueueMany or EnqueueManyTx, or -1 for Enqueue and EnqueueTx.
	Index int
	// Reason says what is wrong, e.g. "task type cannot be empty".
	Reason string
	// Err is ErrInvalidTask or ErrPayloadTooLarge.
	Err error
}

// Error implements the error interface. For a single task it is the
// reason alone ("task type cannot be empty"); in a batch the reason
// follows the task's index ("validate task at index 3: task type cannot
// be empty").
func (e *InvalidTaskError) Error() string {
	if e.Index < 0 {
		return e.Reason
	}
	return fmt.Sprintf("validate task at index %d: %s", e.Index, e.Reason)
}

// Unwrap returns Err.
func (e *InvalidTaskError) Unwrap() error { return e.Err }

// Is reports whether target is ErrInvalidTask, which every
// InvalidTaskError matches.
func (e *InvalidTaskError) Is(target error) bool { return target == ErrInvalidTask }

// Reasons that begin with the original asynqpg's texts, which callers
// match.
var (
	errNilTask    = errors.New("task cannot be nil")
	errNilPayload = errors.New("task payload cannot be nil (nil payload: use []byte{} for a task without one)")
)
