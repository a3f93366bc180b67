package producer

import "fmt"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/engine"
import "github.com/yakser/asynqpg/internal/validate"

// MaxPayloadSize is the largest task payload, in bytes, that the producer
// accepts (16 MiB). A task is a row that consumers read whole, many at a
// time, and write back on every attempt; larger data belongs elsewhere,
// referenced from the payload.
const MaxPayloadSize = validate.MaxPayloadSize

// MaxTypeLength is the longest task type, in bytes, that the producer
// accepts (and the consumer registers). The type names the handler and
// travels in notifications, which PostgreSQL limits to 8000 bytes.
const MaxTypeLength = validate.MaxTypeLength

// MaxDelay is the longest Delay the producer accepts (100 years).
const MaxDelay = validate.MaxDelay

// MaxIdempotencyTokenLength is the longest idempotency token, in bytes,
// that the producer accepts: with the type, a token must fit in one entry
// of the unique (type, idempotency_token) index.
const MaxIdempotencyTokenLength = validate.MaxIdempotencyTokenLength

// toNewTask validates task and turns it into an engine row; index is its
// position in a batch, or -1. The checks, and the texts of the first
// three, are those of the original asynqpg: nil task, empty type, nil
// payload, in that order.
func (p *Producer) toNewTask(task *asynqpg.Task, index int) (engine.NewTask, error) {
	invalid := func(err error) error {
		return &InvalidTaskError{Index: index, Reason: err.Error(), Err: ErrInvalidTask}
	}
	if task == nil {
		return engine.NewTask{}, invalid(errNilTask)
	}
	if err := validate.TaskType(task.Type); err != nil {
		return engine.NewTask{}, invalid(err)
	}
	switch {
	case task.Payload == nil:
		return engine.NewTask{}, invalid(errNilPayload)
	case len(task.Payload) > MaxPayloadSize:
		return engine.NewTask{}, &InvalidTaskError{
			Index:  index,
			Reason: fmt.Sprintf("task payload of %d bytes exceeds MaxPayloadSize (%d bytes)", len(task.Payload), MaxPayloadSize),
			Err:    ErrPayloadTooLarge,
		}
	case task.Delay < 0:
		return engine.NewTask{}, invalid(fmt.Errorf("task delay cannot be negative, got %s", task.Delay))
	case task.Delay > validate.MaxDelay:
		return engine.NewTask{}, invalid(fmt.Errorf("task delay %s exceeds the longest delay, %s", task.Delay, validate.MaxDelay))
	}
	if err := validate.ProcessAt(task.ProcessAt); err != nil {
		return engine.NewTask{}, invalid(err)
	}
	if task.IdempotencyToken != nil {
		if err := validate.IdempotencyToken(*task.IdempotencyToken); err != nil {
			return engine.NewTask{}, invalid(err)
		}
	}
	if err := validate.Priority(task.Priority); err != nil {
		return engine.NewTask{}, invalid(err)
	}
	var uniqueFor time.Duration
	if task.UniqueFor != nil {
		if uniqueFor = *task.UniqueFor; uniqueFor <= 0 {
			return engine.NewTask{}, invalid(fmt.Errorf("task unique period is %v: must be positive", uniqueFor))
		}
	}
	attempts := p.defaultMaxRetry
	if task.MaxRetry != nil {
		attempts = *task.MaxRetry
		if err := validate.MaxRetry(attempts); err != nil {
			return engine.NewTask{}, invalid(err)
		}
	}
	return engine.NewTask{
		Type:             task.Type,
		Payload:          task.Payload,
		IdempotencyToken: task.IdempotencyToken,
		Attempts:         attempts,
		ProcessAt:        task.ProcessAt,
		Delay:            task.Delay,
		Priority:         task.Priority,
		UniqueFor:        uniqueFor,
	}, nil
}
