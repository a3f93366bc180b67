package engine

import "context"
import "fmt"
import "sync/atomic"
import "time"

import "github.com/yakser/asynqpg/driver"

// Paused task types are stored in asynqpg_paused_types. A processor keeps
// its own view of them, so that the claim statement of a type that is not
// paused is the same as it would be without pausing: the view is loaded
// when the processor starts (no type is claimed before), reloaded on every
// notification on ChannelPause, and polled every pausePollInterval while
// the processor has no listener (pauseResyncInterval while it has one).
const (
	// pausePollInterval is how often a processor without a listener
	// reloads the paused types.
	pausePollInterval = 500 * time.Millisecond
	// pauseResyncInterval is how often a processor with a listener
	// reloads them anyway.
	pauseResyncInterval = 30 * time.Second
	// pauseLoadTimeout bounds one load of the paused types.
	pauseLoadTimeout = 10 * time.Second
)

// PauseType pauses taskType: no consumer on the database claims its tasks
// until it is resumed. Pausing a paused type changes nothing.
func PauseType(ctx context.Context, ex driver.Executor, taskType string) error {
	if _, err := ex.Exec(ctx, sqlPauseType, taskType); err != nil {
		return fmt.Errorf("pause task type %q: %w", taskType, schemaError(err))
	}
	return nil
}

// ResumeType resumes taskType, waking the consumers that serve it.
// Resuming a type that is not paused changes nothing.
func ResumeType(ctx context.Context, ex driver.Executor, taskType string) error {
	if _, err := ex.Exec(ctx, sqlResumeType, taskType); err != nil {
		return fmt.Errorf("resume task type %q: %w", taskType, schemaError(err))
	}
	return nil
}

// PausedTypes returns the paused task types in byte order of their names;
// an empty slice when none is.
func PausedTypes(ctx context.Context, ex driver.Executor) ([]string, error) {
	return queryAll(ctx, ex, "list paused task types", scanString, sqlListPausedTypes)
}

// pauseView is a processor's view of the paused task types.
type pauseView struct {
	// listening is set while the processor's listener receives
	// ChannelPause.
	listening atomic.Bool
	// reload asks the watcher to load the paused types now (capacity 1).
	reload chan struct{}
}

func newPauseView() pauseView {
	return pauseView{reload: make(chan struct{}, 1)}
}

// reloadNow asks the watcher to load the paused types now.
func (v *pauseView) reloadNow() {
	select {
	case v.reload <- struct{}{}:
	default:
	}
}

// watchPauses keeps the runners' paused flags up to date until ctx ends.
// Every runner starts paused (see newTypeRunner): none claims before the
// paused types were loaded once.
func (p *Processor) watchPauses(ctx context.Context) {
	failing := false
	repeat(ctx, 0, p.pauses.reload, func() time.Duration {
		err := p.loadPauses(ctx)
		switch {
		case ctx.Err() != nil:
			return 0 // ctx ended: repeat returns
		case err != nil && !failing:
			p.log.Warn("asynqpg: could not load the paused task types; retrying", "error", err)
		case err == nil && failing:
			p.log.Info("asynqpg: loaded the paused task types again")
		}
		failing = err != nil
		if p.pauses.listening.Load() && !failing {
			return pauseResyncInterval
		}
		return pausePollInterval
	})
}

// loadPauses loads the paused types and sets the runners' flags; a runner
// resumed is woken.
func (p *Processor) loadPauses(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, pauseLoadTimeout)
	defer cancel()
	types, err := PausedTypes(ctx, p.cfg.Executor)
	if err != nil {
		return err
	}
	paused := make(map[string]bool, len(types))
	for _, t := range types {
		paused[t] = true
	}
	for t, r := range p.runners {
		was := r.paused.Swap(paused[t])
		switch {
		case was && !paused[t]:
			p.log.Debug("asynqpg: task type resumed", "task_type", t)
			r.wakeUp()
		case !was && paused[t]:
			p.log.Info("asynqpg: task type paused: claiming none of its tasks", "task_type", t)
		}
	}
	return nil
}
