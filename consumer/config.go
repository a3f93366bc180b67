package consumer

import "log/slog"
import "time"

import "go.opentelemetry.io/otel/metric"
import "go.opentelemetry.io/otel/trace"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/engine"
import "github.com/yakser/asynqpg/internal/validate"

// Defaults of Config.
const (
	// DefaultFetchInterval is how often an idle task type polls for ready
	// tasks.
	DefaultFetchInterval = engine.DefaultFetchInterval
	// DefaultJanitorInterval is how often the leader runs maintenance.
	DefaultJanitorInterval = engine.DefaultJanitorInterval
	// DefaultShutdownTimeout is how long Stop lets running handlers finish.
	DefaultShutdownTimeout = 30 * time.Second
	// DefaultStuckThreshold is how long past its lease a running task is
	// left alone before the rescuer acts.
	DefaultStuckThreshold = engine.DefaultStuckThreshold
	// DefaultCancelCheckInterval is how often running tasks are checked for
	// cancellation by polling.
	DefaultCancelCheckInterval = engine.DefaultCancelCheckInterval
	// DefaultHeartbeatInterval is how often a started consumer renews its
	// entry in the list of live consumers.
	DefaultHeartbeatInterval = engine.DefaultHeartbeatInterval
	// DefaultWorkersCount is the number of workers of a task type.
	DefaultWorkersCount = 10
	// DefaultTimeout bounds one attempt of a task type.
	DefaultTimeout = 30 * time.Second
	// MaxTimeout is the longest timeout of a task type (7 days).
	MaxTimeout = validate.MaxTimeout
	// MaxWorkersCount is the most workers of a task type.
	MaxWorkersCount = validate.MaxWorkers
	// MaxInterval is the longest FetchInterval, JanitorInterval,
	// CancelCheckInterval, QueueHealthInterval, HeartbeatInterval and
	// ShutdownTimeout (7 days).
	MaxInterval = validate.MaxTimeout
	// DefaultCompletedRetention is how long completed tasks are kept.
	DefaultCompletedRetention = engine.DefaultCompletedRetention
	// DefaultFailedRetention is how long failed tasks are kept.
	DefaultFailedRetention = engine.DefaultFailedRetention
	// DefaultCancelledRetention is how long cancelled tasks are kept.
	DefaultCancelledRetention = engine.DefaultCancelledRetention
)

// Config holds configuration for creating a new Consumer. Zero values take
// their defaults; negative durations and counts are an error.
type Config struct {
	// Pool is the database the Consumer works on. Required.
	Pool asynqpg.Pool
	// Logger receives the consumer's logs. If nil, slog.Default() is used.
	Logger *slog.Logger

	// RetryPolicy spaces the retries of failed attempts.
	// Default asynqpg.DefaultRetryPolicy{MaxRetryDelay: 24h}.
	RetryPolicy asynqpg.RetryPolicy

	// ClientID identifies this consumer in leader election; it must be
	// unique among the consumers sharing a database. Default: the host
	// name, the process ID and a random suffix.
	ClientID string

	// FetchInterval is how often a task type with free workers looks for
	// ready tasks when it found none the last time. Where the Pool's
	// driver can LISTEN, new tasks wake it at once; tasks that become
	// ready by time (delays, retries, snoozes) are always found by this
	// poll. Default 1s.
	FetchInterval time.Duration
	// JanitorInterval is how often the leader runs the rescuer and the
	// cleaner. Default 30s.
	JanitorInterval time.Duration
	// ShutdownTimeout is how long Stop lets running handlers finish
	// before cancelling their contexts. Default 30s.
	ShutdownTimeout time.Duration
	// StuckThreshold is how long past its lease a running task is left
	// alone before the rescuer returns it to pending (or fails it when no
	// attempt is left). Default 1m.
	StuckThreshold time.Duration
	// CancelCheckInterval is how often running tasks are checked for
	// cancellation (and deletion) by polling; where the driver can LISTEN
	// a cancellation is noticed at once. Default 1s.
	CancelCheckInterval time.Duration
	// HeartbeatInterval is how often a started consumer renews its entry
	// in the list of live consumers (client.ListConsumers), which names
	// its task types and workers. A consumer is listed while its last
	// heartbeat is younger than three intervals, so one whose process
	// died leaves the list within three intervals; Stop removes it at
	// once. Default 5s.
	HeartbeatInterval time.Duration

	// DefaultWorkersCount is the number of workers of a task type
	// registered without WithWorkersCount. Default 10.
	DefaultWorkersCount int
	// DefaultMaxAttempts, when positive, caps the attempts of tasks of
	// types registered without WithMaxAttempts (see WithMaxAttempts). 0,
	// the default, sets no cap: every task keeps the attempts it was
	// enqueued with, its MaxRetry (producer.DefaultMaxRetry, 3, unless
	// the producer says otherwise).
	DefaultMaxAttempts int
	// DefaultTimeout bounds one attempt of a task type registered without
	// WithTimeout. Default 30s.
	DefaultTimeout time.Duration

	// DisableMaintenance turns off leader election, the rescuer and the
	// cleaner for this consumer. A running task of one of its types whose
	// last attempt was lost (its consumer died) is then failed by this
	// consumer itself, every JanitorInterval once StuckThreshold has passed
	// since its lease ended, so it never stays running when no consumer
	// leads.
	DisableMaintenance bool
	// DisableBatchCompleter writes every outcome with its own statement
	// before the worker is freed, instead of in batches.
	DisableBatchCompleter bool

	// CompletedRetention is how long completed tasks are kept.
	// Default 24h.
	CompletedRetention time.Duration
	// FailedRetention is how long failed tasks are kept. Default 7 days.
	FailedRetention time.Duration
	// CancelledRetention is how long cancelled tasks are kept.
	// Default 24h.
	CancelledRetention time.Duration

	// ErrorHandler, when set, is called once for every task that fails
	// permanently (no attempt left, ErrSkipRetry, a panic, or a lost last
	// attempt failed by the rescuer), after the failure was recorded.
	ErrorHandler asynqpg.ErrorHandler

	// MeterProvider for metrics. If nil, the global OTel MeterProvider is
	// used.
	MeterProvider metric.MeterProvider
	// QueueHealthInterval is how long one reading of the queue table
	// serves the queue-health gauges asynqpg.queue.tasks and
	// asynqpg.queue.oldest_ready_age (see package observability). The
	// gauges are reported by the leader only (so they are not reported
	// when DisableMaintenance is set), and the table is read only when a
	// metric reader collects them. Default 15s.
	QueueHealthInterval time.Duration
	// DisableQueueHealth turns the queue-health gauges off.
	DisableQueueHealth bool
	// TracerProvider for tracing. If nil, the global OTel TracerProvider
	// is used.
	TracerProvider trace.TracerProvider
}
