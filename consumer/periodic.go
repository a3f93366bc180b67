package consumer

import "context"
import "errors"
import "fmt"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/engine"
import "github.com/yakser/asynqpg/internal/validate"
import "github.com/yakser/asynqpg/producer"

// MaxPeriodicNameLength is the longest PeriodicTask.Name, in bytes.
const MaxPeriodicNameLength = 255

// MinPeriodicEvery is the shortest period of an "@every" schedule.
const MinPeriodicEvery = engine.MinPeriodicEvery

// Errors of RegisterPeriodicTask.
var (
	errPeriodicStarted     = errors.New("consumer: RegisterPeriodicTask: cannot register a periodic task after the consumer is started")
	errPeriodicMaintenance = errors.New("consumer: RegisterPeriodicTask: periodic tasks are enqueued by the elected leader, " +
		"and Config.DisableMaintenance turns leader election off")
)

// PeriodicTask is a task enqueued on a schedule by the leader among the
// consumers sharing a database. Register it with
// Consumer.RegisterPeriodicTask on every consumer that may lead.
type PeriodicTask struct {
	// Name identifies the periodic task in the database: the instants
	// enqueued are recorded under it. Required, unique per database, at
	// most MaxPeriodicNameLength bytes.
	Name string
	// Schedule says when the task is enqueued: a cron expression of five
	// fields ("*/5 * * * *": minute, hour, day of month, month, day of
	// week), a descriptor (@yearly, @monthly, @weekly, @daily, @hourly) or
	// "@every d" with d a duration of at least MinPeriodicEvery ("@every
	// 30s"). Cron expressions are read in UTC unless prefixed with
	// "CRON_TZ=Area/City "; the instants of "@every d" are the multiples
	// of d since the Unix epoch.
	Schedule string
	// Task builds the task for the instant at (in UTC). It is called by
	// the leader only, once per instant it enqueues, and should return
	// quickly: the periodic tasks are enqueued one after another. One that
	// blocks delays them, but not the consumer's Stop.
	// Its task goes through the producer's validation and insert, with
	// every option (priority, unique window, delay, idempotency token).
	Task func(at time.Time) *asynqpg.Task
}

// periodicTask is a registered periodic task.
type periodicTask struct {
	PeriodicTask
	schedule engine.Schedule
}

// RegisterPeriodicTask registers a periodic task. It must be called before
// Start (or after Stop). While this consumer is the leader it enqueues the
// task at each instant of its schedule; each instant of a name is enqueued
// at most once per database, whichever consumer leads, across changes of
// leader and restarts. An instant missed while no consumer ran is not made
// up. One missed while the leadership changed hands is: a consumer that
// becomes leader enqueues at once the latest instant at or before now
// when it is later than the last one enqueued under the name and came
// after this consumer started (the first time a name is seen, it begins
// with its first instant after now). See docs/PERIODIC.md.
//
// A Task func that panics, returns nil or returns a task the producer
// refuses is logged and its instant skipped: the instant is recorded as
// enqueued, so it is not tried again in a loop. A task that collides with
// an existing one (its idempotency token or unique window) is logged too.
// A database error rolls the instant back; the leader tries it again.
//
// It returns an error naming the value, and registers nothing, for an
// empty or too long name, a name registered before, an unparsable
// schedule, an "@every" period shorter than MinPeriodicEvery, a nil Task
// func, a call after Start, and a consumer with Config.DisableMaintenance,
// which takes no part in the leader election.
func (c *Consumer) RegisterPeriodicTask(pt PeriodicTask) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.active() {
		return errPeriodicStarted
	}
	if c.mcfg == nil {
		return errPeriodicMaintenance
	}
	if err := validate.Name("periodic task name", pt.Name, MaxPeriodicNameLength); err != nil {
		return fmt.Errorf("consumer: RegisterPeriodicTask: %w", err)
	}
	for _, p := range c.periodic {
		if p.Name == pt.Name {
			return fmt.Errorf("consumer: RegisterPeriodicTask: periodic task %q is registered already", pt.Name)
		}
	}
	if pt.Task == nil {
		return fmt.Errorf("consumer: RegisterPeriodicTask(%q): nil Task func", pt.Name)
	}
	s, err := engine.ParseSchedule(pt.Schedule)
	if err != nil {
		return fmt.Errorf("consumer: RegisterPeriodicTask(%q): %w", pt.Name, err)
	}
	c.periodic = append(c.periodic, periodicTask{PeriodicTask: pt, schedule: s})
	return nil
}

// periodicEntries turns the registered periodic tasks into the
// maintainer's entries, which enqueue through p; c.mu must be held.
func (c *Consumer) periodicEntries(p *producer.Producer) []engine.PeriodicEntry {
	entries := make([]engine.PeriodicEntry, len(c.periodic))
	for i, pt := range c.periodic {
		entries[i] = engine.PeriodicEntry{
			Name:     pt.Name,
			Schedule: pt.schedule,
			Enqueue:  c.periodicEnqueue(p, pt.PeriodicTask),
		}
	}
	return entries
}

// periodicEnqueue returns the Enqueue of pt's entry: it builds the task
// of an instant and enqueues it through the producer, in the
// transaction that marks the instant.
func (c *Consumer) periodicEnqueue(p *producer.Producer, pt PeriodicTask) func(context.Context, driver.Executor, time.Time) error {
	return func(ctx context.Context, tx driver.Executor, at time.Time) error {
		task, err := awaitBuild(ctx, pt, at)
		if err != nil {
			return err
		}
		id, err := p.EnqueueTx(ctx, txQuerier{ex: tx}, task)
		switch {
		case err == nil:
			c.log.Debug("asynqpg: periodic task enqueued", "periodic_task", pt.Name, "instant", at, "task_id", id)
		case errors.Is(err, producer.ErrDuplicateTask):
			c.log.Info("asynqpg: periodic task not enqueued: a duplicate exists", "periodic_task", pt.Name,
				"instant", at, "task_id", id, "error", err)
		case errors.Is(err, producer.ErrInvalidTask):
			return fmt.Errorf("%w: periodic task %q: %w", engine.ErrPeriodicSkip, pt.Name, err)
		default:
			return err
		}
		return nil
	}
}

// awaitBuild calls pt.Task for instant at and waits for it until ctx
// ends, so that a Task func that blocks never holds up the consumer's
// Stop. A panic or a nil task is an error wrapping engine.ErrPeriodicSkip;
// the end of ctx one that does not, so the instant is rolled back.
func awaitBuild(ctx context.Context, pt PeriodicTask, at time.Time) (*asynqpg.Task, error) {
	type built struct {
		task *asynqpg.Task
		err  error
	}
	done := make(chan built, 1)
	go func() {
		task, err := buildPeriodic(pt, at)
		done <- built{task, err}
	}()
	select {
	case b := <-done:
		if b.err != nil {
			return nil, fmt.Errorf("%w: %w", engine.ErrPeriodicSkip, b.err)
		}
		return b.task, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("periodic task %q: Task func still running: %w", pt.Name, context.Cause(ctx))
	}
}

// buildPeriodic calls pt.Task for instant at; a panic or a nil task is an
// error.
func buildPeriodic(pt PeriodicTask, at time.Time) (task *asynqpg.Task, err error) {
	defer func() {
		if r := recover(); r != nil {
			task, err = nil, fmt.Errorf("periodic task %q: Task func panicked: %v", pt.Name, r)
		}
	}()
	task = pt.Task(at)
	if task == nil {
		return nil, fmt.Errorf("periodic task %q: Task func returned nil", pt.Name)
	}
	return task, nil
}

// txQuerier hands the maintainer's transaction to Producer.EnqueueTx,
// which resolves it to ex (driver.ExecutorSource) and calls none of the
// Querier methods, left nil.
type txQuerier struct {
	asynqpg.Querier
	ex driver.Executor
}

// Executor implements driver.ExecutorSource.
func (q txQuerier) Executor() driver.Executor { return q.ex }

// maintainerConfig returns the maintainer's configuration with the
// registered periodic tasks; c.mu must be held and c.mcfg set.
func (c *Consumer) maintainerConfig() (engine.MaintainerConfig, error) {
	mcfg := *c.mcfg
	if len(c.periodic) == 0 {
		return mcfg, nil
	}
	p, err := producer.New(producer.Config{
		Pool:           c.cfg.Pool,
		Logger:         c.log,
		MeterProvider:  c.cfg.MeterProvider,
		TracerProvider: c.cfg.TracerProvider,
	})
	if err != nil {
		return mcfg, err
	}
	mcfg.Periodic = c.periodicEntries(p)
	return mcfg, nil
}
