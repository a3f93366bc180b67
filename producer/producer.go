// Package producer enqueues asynqpg tasks.
//
// A task is a row of asynqpg_tasks. Enqueue and EnqueueMany insert on the
// Producer's Pool; EnqueueTx and EnqueueManyTx insert through the caller's
// transaction, so the task exists exactly when that transaction commits
// and never if it rolls back.
//
//	p, err := producer.New(producer.Config{Pool: db})
//	...
//	id, err := p.Enqueue(ctx, asynqpg.NewTask("email:send", payload,
//		asynqpg.WithIdempotencyToken("welcome-42")))
//	if errors.Is(err, producer.ErrDuplicateTask) {
//		// id is the task enqueued before with the same type and token
//	}
//
// Task fields:
//
//   - MaxRetry is, despite its name, the number of attempts
//     (attempts_left at insert): 1 runs the task once with no retry, 3
//     runs it at most three times. nil uses Config.DefaultMaxRetry (3
//     unless set); 0 or less is refused, since a task always runs at
//     least once.
//   - Delay and ProcessAt set when the task becomes ready (blocked_till);
//     ProcessAt wins when both are set. Both are kept at microsecond
//     precision, truncated; Delay counts from the database's clock.
//   - IdempotencyToken makes (Type, IdempotencyToken) unique: a duplicate
//     Enqueue returns the existing task's ID with [ErrDuplicateTask], and
//     EnqueueMany skips duplicates, including repeats within the batch
//     (the first of them is inserted).
//
// Bad input is rejected before anything is written, with an
// [*InvalidTaskError] matching [ErrInvalidTask] whose text names the
// problem: a nil task ("task cannot be nil"), an empty type ("task type
// cannot be empty") or one longer than [MaxTypeLength], a nil payload
// ("task payload cannot be nil": an empty slice is the way to send none)
// or one larger than [MaxPayloadSize], a negative delay or one over
// [MaxDelay], a ProcessAt outside the years 1 to 9999, a max retry below 1,
// an empty idempotency token (nil means none) or one longer than
// [MaxIdempotencyTokenLength]. For a batch the error names the index of
// the first bad task ("validate task at index 3: ..."), and nothing of the
// batch is written. A nil transaction given to a Tx method is refused
// first, with "executor cannot be nil".
//
// A batch is one statement with array parameters, up to 10,000 tasks and
// 64 MiB of payload per statement; a larger batch runs as several
// statements in one transaction, so it is all-or-nothing too.
package producer

import "fmt"
import "log/slog"

import "go.opentelemetry.io/otel/metric"
import "go.opentelemetry.io/otel/trace"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/engine"
import "github.com/yakser/asynqpg/internal/observability"
import "github.com/yakser/asynqpg/internal/validate"

// DefaultMaxRetry is the number of attempts of a task whose MaxRetry is
// nil, when Config.DefaultMaxRetry is 0.
const DefaultMaxRetry = 3

// Config holds configuration for creating a new Producer.
type Config struct {
	// Pool is the database the Producer enqueues on. Required.
	Pool asynqpg.Pool
	// Logger receives debug messages. If nil, slog.Default() is used.
	Logger *slog.Logger
	// DefaultMaxRetry is the number of attempts of tasks whose MaxRetry
	// is nil. 0 means DefaultMaxRetry (3); negative is an error.
	DefaultMaxRetry int
	// MeterProvider for metrics. If nil, the global OTel MeterProvider is
	// used.
	MeterProvider metric.MeterProvider
	// TracerProvider for tracing. If nil, the global OTel TracerProvider is
	// used.
	TracerProvider trace.TracerProvider
}

// Producer enqueues tasks. It is safe for concurrent use.
type Producer struct {
	ex              driver.Executor
	logger          *slog.Logger
	defaultMaxRetry int
	obs             *observability.Instruments
}

// New creates a new Producer with the given configuration.
func New(cfg Config) (*Producer, error) {
	ex, err := engine.ResolvePool("producer", cfg.Pool)
	if err != nil {
		return nil, err
	}
	if cfg.DefaultMaxRetry < 0 {
		return nil, fmt.Errorf("producer: Config.DefaultMaxRetry is %d: must not be negative", cfg.DefaultMaxRetry)
	}
	if cfg.DefaultMaxRetry > validate.MaxAttempts {
		return nil, fmt.Errorf("producer: Config.DefaultMaxRetry is %d: must be at most %d", cfg.DefaultMaxRetry, validate.MaxAttempts)
	}
	p := &Producer{
		ex:              ex,
		logger:          cfg.Logger,
		defaultMaxRetry: cfg.DefaultMaxRetry,
	}
	if p.logger == nil {
		p.logger = slog.Default()
	}
	if p.defaultMaxRetry == 0 {
		p.defaultMaxRetry = DefaultMaxRetry
	}
	if p.obs, err = observability.New(cfg.MeterProvider, cfg.TracerProvider); err != nil {
		return nil, fmt.Errorf("producer: %w", err)
	}
	return p, nil
}
