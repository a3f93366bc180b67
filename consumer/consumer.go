package consumer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"sort"
	"sync"
	"time"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/driver"
	"github.com/yakser/asynqpg/engine"
	"github.com/yakser/asynqpg/observability"
)

// ErrTaskHandlerAlreadyRegistered is returned by RegisterTaskHandler for a
// task type that has a handler already.
var ErrTaskHandlerAlreadyRegistered = errors.New("task handler already registered")

// Consumer states.
const (
	stateNew = iota
	stateStarted
	stateStopped
)

// registration is a registered task type.
type registration struct {
	handler TaskHandler
	opts    TaskTypeOptions
}

// Consumer processes tasks. Register handlers and middleware, then Start;
// Stop (or Shutdown) ends it. A Consumer is started once. Its methods are
// safe for concurrent use.
type Consumer struct {
	cfg        Config
	ex         driver.Executor
	log        *slog.Logger
	base       engine.ProcessorConfig
	maintainer *engine.Maintainer
	obs        *observability.Instruments

	mu       sync.Mutex
	state    int
	handlers map[string]*registration
	global   []MiddlewareFunc
	proc     *engine.Processor
	health   *observability.QueueHealth
}

// New validates cfg and creates a Consumer.
func New(cfg Config) (*Consumer, error) {
	if cfg.Pool == nil {
		return nil, errors.New("consumer: Config.Pool is required")
	}
	ex, err := driver.Resolve(cfg.Pool)
	if err != nil {
		return nil, fmt.Errorf("consumer: Config.Pool: %w", err)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"FetchInterval", cfg.FetchInterval},
		{"JanitorInterval", cfg.JanitorInterval},
		{"ShutdownTimeout", cfg.ShutdownTimeout},
		{"StuckThreshold", cfg.StuckThreshold},
		{"CancelCheckInterval", cfg.CancelCheckInterval},
		{"DefaultTimeout", cfg.DefaultTimeout},
		{"CompletedRetention", cfg.CompletedRetention},
		{"FailedRetention", cfg.FailedRetention},
		{"CancelledRetention", cfg.CancelledRetention},
		{"QueueHealthInterval", cfg.QueueHealthInterval},
	} {
		if d.v < 0 {
			return nil, fmt.Errorf("consumer: Config.%s is %v: must not be negative", d.name, d.v)
		}
	}
	if cfg.DefaultWorkersCount < 0 {
		return nil, fmt.Errorf("consumer: Config.DefaultWorkersCount is %d: must not be negative", cfg.DefaultWorkersCount)
	}
	if cfg.DefaultMaxAttempts < 0 {
		return nil, fmt.Errorf("consumer: Config.DefaultMaxAttempts is %d: must not be negative", cfg.DefaultMaxAttempts)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.RetryPolicy == nil || isNil(cfg.RetryPolicy) {
		cfg.RetryPolicy = asynqpg.DefaultRetryPolicy{MaxRetryDelay: 24 * time.Hour}
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	if cfg.DefaultWorkersCount == 0 {
		cfg.DefaultWorkersCount = DefaultWorkersCount
	}
	if cfg.DefaultTimeout == 0 {
		cfg.DefaultTimeout = DefaultTimeout
	}
	if cfg.ClientID == "" {
		cfg.ClientID = randomClientID()
	}
	if cfg.ErrorHandler != nil && isNil(cfg.ErrorHandler) {
		cfg.ErrorHandler = nil
	}
	obs, err := observability.New(cfg.MeterProvider, cfg.TracerProvider)
	if err != nil {
		return nil, fmt.Errorf("consumer: %w", err)
	}
	c := &Consumer{
		cfg:      cfg,
		ex:       ex,
		log:      cfg.Logger,
		obs:      obs,
		handlers: make(map[string]*registration),
		base: engine.ProcessorConfig{
			Executor:              ex,
			Logger:                cfg.Logger,
			RetryPolicy:           cfg.RetryPolicy,
			ErrorHandler:          cfg.ErrorHandler,
			FetchInterval:         cfg.FetchInterval,
			CancelCheckInterval:   cfg.CancelCheckInterval,
			DisableBatchCompleter: cfg.DisableBatchCompleter,
			Metrics:               obs.Metrics,
			Tracer:                obs.Tracer,
		},
	}
	if !cfg.DisableMaintenance {
		c.maintainer, err = engine.NewMaintainer(engine.MaintainerConfig{
			Executor:           ex,
			ClientID:           cfg.ClientID,
			Logger:             cfg.Logger,
			JanitorInterval:    cfg.JanitorInterval,
			StuckThreshold:     cfg.StuckThreshold,
			CompletedRetention: cfg.CompletedRetention,
			FailedRetention:    cfg.FailedRetention,
			CancelledRetention: cfg.CancelledRetention,
			ErrorHandler:       cfg.ErrorHandler,
		})
		if err != nil {
			return nil, fmt.Errorf("consumer: %w", err)
		}
	}
	return c, nil
}

// RegisterTaskHandler registers the handler of taskType, with its options.
// It must be called before Start. It returns an error for an empty type, a
// nil handler, a non-positive worker count, timeout or max attempts, a
// call after Start, and ErrTaskHandlerAlreadyRegistered for a type
// registered before.
func (c *Consumer) RegisterTaskHandler(taskType string, h TaskHandler, opts ...TaskTypeOption) error {
	if taskType == "" {
		return errors.New("consumer: RegisterTaskHandler: empty task type")
	}
	if h == nil || isNil(h) {
		return fmt.Errorf("consumer: RegisterTaskHandler(%q): nil handler", taskType)
	}
	o := TaskTypeOptions{
		WorkersCount: c.cfg.DefaultWorkersCount,
		MaxAttempts:  c.cfg.DefaultMaxAttempts,
		Timeout:      c.cfg.DefaultTimeout,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	switch {
	case o.WorkersCount <= 0:
		return fmt.Errorf("consumer: RegisterTaskHandler(%q): workers count is %d: must be positive", taskType, o.WorkersCount)
	case o.Timeout <= 0:
		return fmt.Errorf("consumer: RegisterTaskHandler(%q): timeout is %v: must be positive", taskType, o.Timeout)
	case o.maxAttemptsSet && o.MaxAttempts <= 0:
		return fmt.Errorf("consumer: RegisterTaskHandler(%q): max attempts is %d: must be positive", taskType, o.MaxAttempts)
	}
	o.Middleware = nonNilMiddleware(o.Middleware)

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != stateNew {
		return fmt.Errorf("consumer: RegisterTaskHandler(%q): cannot register a task handler after Start", taskType)
	}
	if _, ok := c.handlers[taskType]; ok {
		return fmt.Errorf("consumer: RegisterTaskHandler(%q): %w", taskType, ErrTaskHandlerAlreadyRegistered)
	}
	c.handlers[taskType] = &registration{handler: h, opts: o}
	return nil
}

// Use adds global middleware, which wraps the handlers of every task type
// (outside their per-type middleware); the first registered is the
// outermost. It must be called before Start. Nil middleware is ignored.
func (c *Consumer) Use(mws ...MiddlewareFunc) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != stateNew {
		return errors.New("consumer: Use: cannot add middleware after Start")
	}
	c.global = append(c.global, nonNilMiddleware(mws)...)
	return nil
}

// Start starts processing in the background: a fetch loop and worker pool
// per registered task type, the cancellation watch and, unless
// DisableMaintenance is set, leader election and maintenance. It returns
// an error when no handler is registered, or when the Consumer was started
// before.
func (c *Consumer) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.state {
	case stateStarted:
		return errors.New("consumer: Start: already started")
	case stateStopped:
		return errors.New("consumer: Start: already stopped; create a new Consumer")
	}
	if len(c.handlers) == 0 {
		return errors.New("consumer: Start: no task handlers registered")
	}
	types := make([]string, 0, len(c.handlers))
	for t := range c.handlers {
		types = append(types, t)
	}
	sort.Strings(types)
	pcfg := c.base
	for _, t := range types {
		reg := c.handlers[t]
		h := buildChain(reg.handler, c.global, reg.opts.Middleware)
		pcfg.Types = append(pcfg.Types, engine.TypeConfig{
			Type:        t,
			Handler:     h.Handle,
			Workers:     reg.opts.WorkersCount,
			Timeout:     reg.opts.Timeout,
			MaxAttempts: reg.opts.MaxAttempts,
		})
	}
	proc, err := engine.NewProcessor(pcfg)
	if err != nil {
		return fmt.Errorf("consumer: Start: %w", err)
	}
	if err := proc.Start(); err != nil {
		return fmt.Errorf("consumer: Start: %w", err)
	}
	if c.maintainer != nil {
		if err := c.maintainer.Start(context.Background()); err != nil {
			_ = proc.Stop(0)
			return fmt.Errorf("consumer: Start: maintenance: %w", err)
		}
		if !c.cfg.DisableQueueHealth {
			if c.health, err = c.newQueueHealth(); err != nil {
				c.maintainer.Stop()
				_ = proc.Stop(0)
				return fmt.Errorf("consumer: Start: %w", err)
			}
		}
	}
	c.proc = proc
	c.state = stateStarted
	c.log.Info("asynqpg: consumer started", "task_types", types,
		"maintenance", c.maintainer != nil, "batch_completer", !c.cfg.DisableBatchCompleter)
	return nil
}

// Stop stops the consumer gracefully, giving running handlers up to
// Config.ShutdownTimeout to finish; see Shutdown.
func (c *Consumer) Stop() error {
	return c.Shutdown(c.cfg.ShutdownTimeout)
}

// Shutdown stops the consumer: it stops claiming tasks, lets running
// handlers finish for up to timeout, then cancels their contexts and waits
// a few seconds more for them to return. It writes the outcomes still
// waiting, gives back the tasks whose handlers did not finish (pending and
// ready at once, with no attempt counted), and stops maintenance.
//
// Shutdown before Start does nothing and returns nil. It may be called
// more than once and concurrently; every call waits for the one shutdown
// and returns its result. An error reports handlers that did not return,
// or outcomes and tasks that could not be written back (those tasks run
// again when their leases pass).
func (c *Consumer) Shutdown(timeout time.Duration) error {
	c.mu.Lock()
	if c.state == stateNew {
		c.mu.Unlock()
		return nil
	}
	first := c.state == stateStarted
	c.state = stateStopped
	proc, health := c.proc, c.health
	c.mu.Unlock()
	if first {
		c.log.Info("asynqpg: consumer stopping", "timeout", timeout)
	}
	err := proc.Stop(max(timeout, 0))
	if first && health != nil {
		if herr := health.Close(); herr != nil {
			c.log.Warn("asynqpg: unregistering the queue health gauges failed", "error", herr)
		}
	}
	if c.maintainer != nil {
		c.maintainer.Stop()
	}
	if first {
		c.log.Info("asynqpg: consumer stopped")
	}
	if err != nil {
		return fmt.Errorf("consumer: %w", err)
	}
	return nil
}

// newQueueHealth registers the queue-health gauges, reported while this
// consumer is the leader.
func (c *Consumer) newQueueHealth() (*observability.QueueHealth, error) {
	return observability.NewQueueHealth(observability.QueueHealthConfig{
		MeterProvider: c.cfg.MeterProvider,
		Read: func(ctx context.Context) ([]observability.QueueStat, error) {
			return engine.QueueStats(ctx, c.ex)
		},
		Interval: c.cfg.QueueHealthInterval,
		Active:   c.maintainer.IsLeader,
		Logger:   c.log,
		OnError: func(error) {
			c.obs.Type("").Error(context.Background(), asynqpg.ErrorTypeDB)
		},
	})
}

// nonNilMiddleware returns mws without its nil entries.
func nonNilMiddleware(mws []MiddlewareFunc) []MiddlewareFunc {
	out := make([]MiddlewareFunc, 0, len(mws))
	for _, mw := range mws {
		if mw != nil {
			out = append(out, mw)
		}
	}
	return out
}

// isNil reports whether v is an interface holding a nil pointer, func,
// map, slice or channel.
func isNil(v any) bool {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Func, reflect.Map, reflect.Slice, reflect.Chan, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// randomClientID returns an ID made of the host name, the process ID and
// a random suffix.
func randomClientID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "asynqpg"
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}
