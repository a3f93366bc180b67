package producer

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/engine"
)

// MaxPayloadSize is the largest task payload, in bytes, that the producer
// accepts (16 MiB). A task is a row that consumers read whole, many at a
// time, and write back on every attempt; larger data belongs elsewhere,
// referenced from the payload.
const MaxPayloadSize = 16 << 20

// MaxTypeLength is the longest task type, in bytes, that the producer
// accepts. The type names the handler and travels in notifications, which
// PostgreSQL limits to 8000 bytes.
const MaxTypeLength = 1024

// maxAttempts is the largest MaxRetry the attempts_left column holds.
const maxAttempts = math.MaxInt32

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
)

// InvalidTaskError describes a task rejected before anything was written.
// It matches ErrInvalidTask, and ErrPayloadTooLarge when that is the
// reason, with errors.Is.
type InvalidTaskError struct {
	// Index is the position of the task in the batch given to
	// EnqueueMany or EnqueueManyTx, or -1 for Enqueue and EnqueueTx.
	Index int
	// Reason says what is wrong, e.g. "empty type".
	Reason string
	// Err is ErrInvalidTask or ErrPayloadTooLarge.
	Err error
}

// Error implements the error interface: "producer: invalid task: empty
// type" for a single task, "producer: task 3: empty type" in a batch.
func (e *InvalidTaskError) Error() string {
	if e.Index < 0 {
		return "producer: invalid task: " + e.Reason
	}
	return fmt.Sprintf("producer: task %d: %s", e.Index, e.Reason)
}

// Unwrap returns Err.
func (e *InvalidTaskError) Unwrap() error { return e.Err }

// Is reports whether target is ErrInvalidTask, which every
// InvalidTaskError matches.
func (e *InvalidTaskError) Is(target error) bool { return target == ErrInvalidTask }

// toNewTask validates task and turns it into an engine row; index is its
// position in a batch, or -1.
func (p *Producer) toNewTask(task *asynqpg.Task, index int) (engine.NewTask, error) {
	invalid := func(format string, args ...any) error {
		return &InvalidTaskError{Index: index, Reason: fmt.Sprintf(format, args...), Err: ErrInvalidTask}
	}
	switch {
	case task == nil:
		return engine.NewTask{}, invalid("nil task")
	case task.Type == "":
		return engine.NewTask{}, invalid("empty type")
	case len(task.Type) > MaxTypeLength:
		return engine.NewTask{}, invalid("type of %d bytes exceeds MaxTypeLength (%d bytes)", len(task.Type), MaxTypeLength)
	case !validText(task.Type):
		return engine.NewTask{}, invalid("type %q is not valid UTF-8 text without NUL bytes", task.Type)
	case task.Payload == nil:
		return engine.NewTask{}, invalid("nil payload (use an empty slice for no payload)")
	case len(task.Payload) > MaxPayloadSize:
		return engine.NewTask{}, &InvalidTaskError{
			Index:  index,
			Reason: fmt.Sprintf("payload of %d bytes exceeds MaxPayloadSize (%d bytes)", len(task.Payload), MaxPayloadSize),
			Err:    ErrPayloadTooLarge,
		}
	case task.Delay < 0:
		return engine.NewTask{}, invalid("negative delay %s", task.Delay)
	case task.IdempotencyToken != nil && *task.IdempotencyToken == "":
		return engine.NewTask{}, invalid("empty idempotency token (use nil for none)")
	case task.IdempotencyToken != nil && !validText(*task.IdempotencyToken):
		return engine.NewTask{}, invalid("idempotency token %q is not valid UTF-8 text without NUL bytes", *task.IdempotencyToken)
	}
	attempts := p.defaultMaxRetry
	if task.MaxRetry != nil {
		attempts = *task.MaxRetry
		if attempts < 0 {
			return engine.NewTask{}, invalid("negative max retry %d", attempts)
		}
		if attempts > maxAttempts {
			return engine.NewTask{}, invalid("max retry %d exceeds %d", attempts, maxAttempts)
		}
	}
	return engine.NewTask{
		Type:             task.Type,
		Payload:          task.Payload,
		IdempotencyToken: task.IdempotencyToken,
		Attempts:         attempts,
		ProcessAt:        task.ProcessAt,
		Delay:            task.Delay,
	}, nil
}

// validText reports whether s can be stored in a PostgreSQL text value:
// valid UTF-8 without NUL bytes.
func validText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
