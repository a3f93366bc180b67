package engine

import "context"
import "errors"
import "fmt"
import "log/slog"
import "time"

import "go.opentelemetry.io/otel/trace"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/observability"

// Defaults of [ProcessorConfig].
const (
	// DefaultFetchInterval is how often an idle task type looks for ready
	// tasks.
	DefaultFetchInterval = time.Second
	// DefaultCancelCheckInterval is how often running attempts are checked
	// for cancellation by polling.
	DefaultCancelCheckInterval = time.Second
	// DefaultLeaseMargin is how much longer than its handler timeout an
	// attempt's lease lasts.
	DefaultLeaseMargin = 5 * time.Second
	// DefaultHandlerExitGrace is how long Stop waits for handlers to return
	// after cancelling their contexts.
	DefaultHandlerExitGrace = 5 * time.Second
	// DefaultStopFlushTimeout bounds the final write of outcomes and the
	// requeue of unfinished attempts on Stop.
	DefaultStopFlushTimeout = 10 * time.Second
)

// Handler runs one attempt at a task.
type Handler func(ctx context.Context, task *asynqpg.TaskInfo) error

// TypeConfig configures the processing of one task type.
type TypeConfig struct {
	// Type is the task type. Required.
	Type string
	// Handler runs the attempts. Required.
	Handler Handler
	// Workers is how many attempts of this type run at once. Positive.
	Workers int
	// Timeout bounds one attempt: the handler's context ends then and an
	// attempt still running has failed. Positive.
	Timeout time.Duration
	// MaxAttempts, when positive, caps the attempts a task of this type
	// is given: a failed attempt that brings attempts_elapsed to it is
	// final even if attempts_left says more. 0: no cap.
	MaxAttempts int
	// GlobalConcurrency, when positive, caps the tasks of this type
	// running at once across every consumer on the database (see
	// RecordAndClaimLimited). 0: no cap.
	GlobalConcurrency int
}

// ProcessorConfig configures a [Processor]. Zero durations take their
// defaults; negative ones are an error.
type ProcessorConfig struct {
	// Executor runs the statements; it must be backed by a pool. When it
	// implements [driver.ListenerFactory], idle task types wake at once on
	// new tasks and cancellations are noticed at once. Required.
	Executor driver.Executor
	// Types are the task types processed. At least one; types unique.
	Types []TypeConfig
	// Logger receives the processor's logs; nil discards them.
	Logger *slog.Logger
	// RetryPolicy spaces the retries of failed attempts. Default
	// asynqpg.DefaultRetryPolicy{MaxRetryDelay: 24h}.
	RetryPolicy asynqpg.RetryPolicy
	// ErrorHandler, when set, is called once for every task that fails
	// permanently, after that outcome was written.
	ErrorHandler asynqpg.ErrorHandler
	// FetchInterval is how often a task type with free workers looks for
	// ready tasks when it found none the last time. Default 1s.
	FetchInterval time.Duration
	// CancelCheckInterval is how often running attempts are checked for
	// cancellation (and deletion, and lease loss) by polling. Default 1s.
	CancelCheckInterval time.Duration
	// LeaseMargin is added to a type's Timeout to make the lease of its
	// attempts. Default 5s.
	LeaseMargin time.Duration
	// HandlerExitGrace is how long Stop waits for handlers to return once
	// their contexts are cancelled. Default 5s.
	HandlerExitGrace time.Duration
	// StopFlushTimeout bounds writing the last outcomes, and then giving
	// back unfinished attempts, on Stop. Default 10s.
	StopFlushTimeout time.Duration
	// DisableBatchCompleter writes every outcome with its own statement
	// before the worker is freed, instead of batching them.
	DisableBatchCompleter bool
	// RescueLostAttempts makes the processor rescue the stuck tasks of its
	// own types, as the leader's rescuer would (see [Maintainer]), every
	// RescueInterval: for consumers that take no part in leader election,
	// whose lost last attempts would otherwise stay running.
	RescueLostAttempts bool
	// RescueInterval is how often RescueLostAttempts rescues. Default
	// DefaultJanitorInterval.
	RescueInterval time.Duration
	// StuckThreshold is how long past its lease a running task is left
	// alone before RescueLostAttempts rescues it. Default
	// DefaultStuckThreshold.
	StuckThreshold time.Duration
	// Metrics receives the processing metrics; nil records none.
	Metrics *asynqpg.Metrics
	// Tracer starts the asynqpg.process span of each attempt; nil records
	// none.
	Tracer trace.Tracer
}

// withDefaults validates c and fills in its defaults.
func (c ProcessorConfig) withDefaults() (ProcessorConfig, error) {
	if c.Executor == nil {
		return c, errors.New("invalid processor config: Executor is required")
	}
	if len(c.Types) == 0 {
		return c, errors.New("invalid processor config: no task types")
	}
	seen := make(map[string]bool, len(c.Types))
	for _, t := range c.Types {
		switch {
		case t.Type == "":
			return c, errors.New("invalid processor config: empty task type")
		case seen[t.Type]:
			return c, fmt.Errorf("invalid processor config: task type %q given twice", t.Type)
		case t.Handler == nil:
			return c, fmt.Errorf("invalid processor config: task type %q has no handler", t.Type)
		case t.Workers <= 0:
			return c, fmt.Errorf("invalid processor config: task type %q: workers must be positive (got %d)", t.Type, t.Workers)
		case t.Timeout <= 0:
			return c, fmt.Errorf("invalid processor config: task type %q: timeout must be positive (got %v)", t.Type, t.Timeout)
		case t.MaxAttempts < 0:
			return c, fmt.Errorf("invalid processor config: task type %q: max attempts must not be negative (got %d)", t.Type, t.MaxAttempts)
		case t.GlobalConcurrency < 0:
			return c, fmt.Errorf("invalid processor config: task type %q: global concurrency must not be negative (got %d)", t.Type, t.GlobalConcurrency)
		}
		seen[t.Type] = true
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"FetchInterval", &c.FetchInterval, DefaultFetchInterval},
		{"CancelCheckInterval", &c.CancelCheckInterval, DefaultCancelCheckInterval},
		{"LeaseMargin", &c.LeaseMargin, DefaultLeaseMargin},
		{"HandlerExitGrace", &c.HandlerExitGrace, DefaultHandlerExitGrace},
		{"StopFlushTimeout", &c.StopFlushTimeout, DefaultStopFlushTimeout},
		{"RescueInterval", &c.RescueInterval, DefaultJanitorInterval},
		{"StuckThreshold", &c.StuckThreshold, DefaultStuckThreshold},
	} {
		if *d.v < 0 {
			return c, fmt.Errorf("invalid processor config: %s must not be negative (got %v)", d.name, *d.v)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.RetryPolicy == nil {
		c.RetryPolicy = asynqpg.DefaultRetryPolicy{MaxRetryDelay: 24 * time.Hour}
	}
	if c.Metrics == nil || c.Tracer == nil {
		noop := observability.Noop()
		if c.Metrics == nil {
			c.Metrics = noop.Metrics
		}
		if c.Tracer == nil {
			c.Tracer = noop.Tracer
		}
	}
	return c, nil
}
