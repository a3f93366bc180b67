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
//   - MaxRetry is the number of attempts (attempts_left at insert); nil
//     uses Config.DefaultMaxRetry. 0 is stored as is: the task runs once
//     and is not retried.
//   - Delay and ProcessAt set when the task becomes ready (blocked_till);
//     ProcessAt wins when both are set. Both are kept at microsecond
//     precision, truncated; Delay counts from the database's clock.
//   - IdempotencyToken makes (Type, IdempotencyToken) unique: a duplicate
//     Enqueue returns the existing task's ID with [ErrDuplicateTask], and
//     EnqueueMany skips duplicates, including repeats within the batch
//     (the first of them is inserted).
//
// Bad input is rejected before anything is written, with an
// [*InvalidTaskError] matching [ErrInvalidTask]: a nil task, an empty type
// or one longer than [MaxTypeLength], a nil payload (an empty slice is the
// way to send none) or one larger than [MaxPayloadSize], a negative delay
// or max retry, an empty idempotency token (nil means none). For a batch
// the error names the index of the first bad task, and nothing of the
// batch is written.
//
// A batch is one statement with array parameters, up to 10,000 tasks and
// 64 MiB of payload per statement; a larger batch runs as several
// statements in one transaction, so it is all-or-nothing too.
package producer

import (
	"errors"
	"fmt"
	"log/slog"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/driver"
	"github.com/yakser/asynqpg/observability"
)

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
	if cfg.Pool == nil {
		return nil, errors.New("producer: Config.Pool is required")
	}
	ex, err := driver.Resolve(cfg.Pool)
	if err != nil {
		return nil, fmt.Errorf("producer: Config.Pool: %w", err)
	}
	if cfg.DefaultMaxRetry < 0 {
		return nil, fmt.Errorf("producer: Config.DefaultMaxRetry is %d: must not be negative", cfg.DefaultMaxRetry)
	}
	if cfg.DefaultMaxRetry > maxAttempts {
		return nil, fmt.Errorf("producer: Config.DefaultMaxRetry is %d: must be at most %d", cfg.DefaultMaxRetry, maxAttempts)
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
