package consumer

import "context"
import "errors"
import "fmt"
import "sort"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/engine"
import "github.com/yakser/asynqpg/internal/observability"

// StartTimeout bounds the checks Start makes of the database: that it can
// be reached and holds asynqpg's schema.
const StartTimeout = 15 * time.Second

// running holds the services of one Start. A service the Consumer does
// not run is nil; the engine's services stop as a no-op when nil.
type running struct {
	proc       *engine.Processor          // nil with periodic tasks only
	maintainer *engine.Maintainer         // nil with DisableMaintenance
	health     *observability.QueueHealth // nil with DisableMaintenance or DisableQueueHealth
	heartbeat  *engine.Heartbeat          // nil with periodic tasks only
}

// active reports whether the consumer is started or stopping; c.mu must
// be held.
func (c *Consumer) active() bool {
	return c.state == stateStarted || c.state == stateStopping
}

// Start starts processing in the background: a fetch loop and worker pool
// per registered task type, the cancellation watch, the heartbeat that
// keeps the consumer in the list of live consumers (see
// Config.HeartbeatInterval) and, unless DisableMaintenance is set, leader
// election and maintenance.
//
// Before it starts anything it checks the database: one that refuses the
// login fails Start with the driver's error (a wrong password, say), one
// without asynqpg's schema with an error matching
// asynqpg.ErrSchemaNotMigrated, and one that cannot be reached with the
// driver's error once StartTimeout has passed (a failure that may pass is
// tried again until then). It also returns an error when neither a
// handler nor a periodic task is registered (a Consumer with periodic
// tasks only takes part in the election and enqueues them when it leads,
// claims nothing and is not listed among the live consumers), or when
// the Consumer is started already. A Start that
// failed leaves nothing running, and may be called again; so may Start
// after Stop.
func (c *Consumer) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.state {
	case stateStarted:
		return errAlreadyStarted
	case stateStopping:
		return errStopping
	}
	if len(c.handlers) == 0 && len(c.periodic) == 0 {
		return errNoHandlers
	}
	if err := c.checkDatabase(); err != nil {
		return fmt.Errorf("consumer: Start: %w", err)
	}
	hb, err := c.startHeartbeat()
	if err != nil {
		return fmt.Errorf("consumer: Start: %w", err)
	}
	run, err := c.startServices()
	if err != nil {
		hb.Stop()
		return fmt.Errorf("consumer: Start: %w", err)
	}
	run.heartbeat = hb
	c.run = run
	c.state = stateStarted
	c.log.Info("asynqpg: consumer started", "task_types", c.typeNames(),
		"maintenance", run.maintainer != nil, "batch_completer", !c.cfg.DisableBatchCompleter)
	return nil
}

// checkDatabase checks that the database can be reached and holds the
// schema. A failure that may pass (a connection refused or cut, a pooler
// that is busy) is tried again until StartTimeout; one that will not — the
// schema is missing, or the server refused the login or the database by
// name (SQLSTATE classes 28 and 3D) — is returned at once.
func (c *Consumer) checkDatabase() error {
	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	defer cancel()
	delay := 50 * time.Millisecond
	for {
		err := engine.CheckSchema(ctx, c.ex)
		if err == nil || errors.Is(err, asynqpg.ErrSchemaNotMigrated) || lasting(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
		c.log.Warn("asynqpg: the database did not answer the start-up check; trying again", "error", err)
		delay = min(2*delay, time.Second)
	}
}

// lasting reports whether err is one that trying again does not mend: the
// server refused the login (SQLSTATE class 28) or the database (3D), or
// it named a statement error (any other SQLSTATE but connection failures,
// class 08, and an administrator's shutdown, class 57).
func lasting(err error) bool {
	code := driver.SQLState(err)
	if len(code) < 2 {
		return false
	}
	switch code[:2] {
	case "08", "57", "53": // connection, operator intervention, insufficient resources
		return false
	}
	return true
}

// startServices starts the processor and, unless maintenance is disabled,
// the maintainer and the queue-health gauges. On an error it stops what
// it started.
func (c *Consumer) startServices() (*running, error) {
	proc, err := c.startProcessor()
	if err != nil {
		return nil, err
	}
	run := &running{proc: proc}
	if c.mcfg == nil {
		return run, nil
	}
	mcfg, err := c.maintainerConfig()
	if err == nil {
		run.maintainer, err = engine.NewMaintainer(mcfg)
	}
	if err == nil {
		err = run.maintainer.Start(context.Background())
	}
	if err != nil {
		_ = run.proc.Stop(0)
		return nil, fmt.Errorf("maintenance: %w", err)
	}
	if !c.cfg.DisableQueueHealth {
		if run.health, err = c.newQueueHealth(run.maintainer); err != nil {
			run.maintainer.Stop()
			_ = run.proc.Stop(0)
			return nil, err
		}
	}
	return run, nil
}

// startProcessor starts the fetch loops and worker pools of the
// registered task types; it returns a nil Processor, whose Stop does
// nothing, for a Consumer of periodic tasks only. c.mu must be held.
func (c *Consumer) startProcessor() (*engine.Processor, error) {
	if len(c.handlers) == 0 {
		return nil, nil
	}
	pcfg := c.base
	for _, t := range c.typeNames() {
		reg := c.handlers[t]
		h, err := buildChain(reg.handler, c.global, reg.opts.Middleware)
		if err != nil {
			return nil, fmt.Errorf("task type %q: %w", t, err)
		}
		pcfg.Types = append(pcfg.Types, engine.TypeConfig{
			Type:        t,
			Handler:     h.Handle,
			Workers:     reg.opts.WorkersCount,
			Timeout:     reg.opts.Timeout,
			MaxAttempts: reg.opts.MaxAttempts,

			GlobalConcurrency: reg.opts.GlobalConcurrency,
		})
	}
	proc, err := engine.NewProcessor(pcfg)
	if err != nil {
		return nil, err
	}
	if err := proc.Start(); err != nil {
		return nil, err
	}
	return proc, nil
}

// typeNames returns the registered task types in order; c.mu must be held.
func (c *Consumer) typeNames() []string {
	types := make([]string, 0, len(c.handlers))
	for t := range c.handlers {
		types = append(types, t)
	}
	sort.Strings(types)
	return types
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
// ready at once, with no attempt counted), removes the consumer from the
// list of live consumers, and stops maintenance.
//
// It returns ErrShutdownTimeout when handlers were still running when the
// timeout passed (their tasks were given back: nothing is lost), and
// another error when outcomes or tasks could not be written back (those
// tasks run again when their leases pass).
//
// Shutdown before Start does nothing and returns nil. It may be called
// more than once and concurrently; every call waits for the one shutdown
// and returns its result.
func (c *Consumer) Shutdown(timeout time.Duration) error {
	c.mu.Lock()
	if c.run == nil {
		c.mu.Unlock()
		return nil
	}
	first := c.state == stateStarted
	if first {
		c.state = stateStopping
	}
	run := c.run
	c.mu.Unlock()
	if first {
		c.log.Info("asynqpg: consumer stopping", "timeout", timeout)
	}
	err := run.proc.Stop(max(timeout, 0))
	if first {
		run.heartbeat.Stop()
		if run.health != nil {
			if herr := run.health.Close(); herr != nil {
				c.log.Warn("asynqpg: unregistering the queue health gauges failed", "error", herr)
			}
		}
		run.maintainer.Stop()
		c.mu.Lock()
		c.state = stateStopped
		c.mu.Unlock()
		c.log.Info("asynqpg: consumer stopped")
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, engine.ErrShutdownTimeout):
		if first {
			c.log.Warn("asynqpg: consumer stopped past its shutdown timeout", "timeout", timeout, "error", err)
		}
		return ErrShutdownTimeout
	default:
		return fmt.Errorf("consumer: %w", err)
	}
}

// newQueueHealth registers the queue-health gauges, reported while this
// consumer is the leader.
func (c *Consumer) newQueueHealth(m *engine.Maintainer) (*observability.QueueHealth, error) {
	return observability.NewQueueHealth(observability.QueueHealthConfig{
		MeterProvider: c.cfg.MeterProvider,
		Read: func(ctx context.Context) ([]observability.QueueStat, error) {
			return engine.QueueStats(ctx, c.ex)
		},
		Interval: c.cfg.QueueHealthInterval,
		Active:   m.IsLeader,
		Logger:   c.log,
		OnError: func(error) {
			c.obs.Type("").Error(context.Background(), asynqpg.ErrorTypeDB)
		},
	})
}
