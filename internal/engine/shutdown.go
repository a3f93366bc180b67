package engine

import "context"
import "errors"
import "fmt"
import "time"

import "github.com/yakser/asynqpg/internal/startstop"

// ErrShutdownTimeout is reported by [Processor.Stop] when handlers were
// still running when its timeout passed (their contexts were then
// cancelled, and their tasks given back).
var ErrShutdownTimeout = errors.New("shutdown timeout exceeded")

// Stop stops the processor: it stops claiming, lets running handlers
// finish for up to timeout, then cancels their contexts and waits up to
// HandlerExitGrace for them to return. It then writes the outcomes still
// waiting (for up to StopFlushTimeout) and gives back the tasks whose
// attempts produced no outcome: they become pending and ready at once,
// with no attempt counted.
//
// Stop before Start does nothing and returns nil, and so does Stop on a
// nil Processor, which a consumer without handlers has. Stop may be called
// more than once and concurrently: every call waits for the one stop and
// returns its result. A non-nil error reports handlers that did not
// return, or outcomes and tasks that could not be written back (those
// tasks come back when their leases pass); it matches
// [ErrShutdownTimeout] when handlers were still running at the timeout.
func (p *Processor) Stop(timeout time.Duration) error {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	switch p.state {
	case procNew:
		p.mu.Unlock()
		return nil
	case procStopping:
		p.mu.Unlock()
		<-p.stopDone
		return p.stopErr
	}
	p.state = procStopping
	p.mu.Unlock()
	p.stopErr = p.shutdown(timeout)
	close(p.stopDone)
	return p.stopErr
}

// shutdown runs the stop sequence of Stop.
func (p *Processor) shutdown(timeout time.Duration) error {
	var errs []error
	deadline := time.NewTimer(max(timeout, 0))
	defer deadline.Stop()

	// 1. No more claims. A claim in progress finishes (its tasks are
	// given back at once), or is cancelled at the timeout.
	p.cancelFetch()
	fetchersDone := make(chan struct{})
	go func() {
		p.fetchers.Wait()
		close(fetchersDone)
	}()
	// busyAtDeadline: handlers were still running when the timeout
	// passed (reported as ErrShutdownTimeout).
	timedOut, busyAtDeadline := false, false
	select {
	case <-fetchersDone:
	case <-deadline.C:
		timedOut, busyAtDeadline = true, p.runningCount() > 0
		p.cancelRun(errShutdown)
		<-fetchersDone
	}

	// 2. Let the handlers finish until the timeout.
	idle := p.workersIdle()
	if !timedOut {
		select {
		case <-idle:
		case <-deadline.C:
			timedOut, busyAtDeadline = true, p.runningCount() > 0
		}
	}
	if busyAtDeadline {
		errs = append(errs, ErrShutdownTimeout)
	}
	if timedOut {
		// 3. Cancel them, and give them a grace period to return.
		select {
		case <-idle:
		default:
			p.log.Warn("asynqpg: shutdown timeout exceeded; cancelling running handlers",
				"timeout", timeout, "running", p.runningCount())
			p.cancelRun(errShutdown)
			grace := time.NewTimer(p.cfg.HandlerExitGrace)
			select {
			case <-idle:
			case <-grace.C:
				n := p.runningCount()
				p.log.Error("asynqpg: handlers did not return after their context was cancelled; their tasks are given back",
					"handlers", n, "grace", p.cfg.HandlerExitGrace)
				errs = append(errs, fmt.Errorf("consumer stop: %d handler(s) did not return within %v of their context being cancelled",
					n, p.cfg.HandlerExitGrace))
			}
			grace.Stop()
		}
	}

	// 4. Stop watching for cancellations.
	p.listener.Stop()
	p.ownRescue.Stop()
	p.cancelWatch.Stop()

	// 5. Write the outcomes handed over.
	flushCtx, cancelFlush := context.WithTimeout(context.Background(), p.cfg.StopFlushTimeout)
	defer cancelFlush()
	p.comp.stop(flushCtx)

	// 6. Give back the attempts that produced no outcome.
	if err := p.requeueUnfinished(flushCtx); err != nil {
		errs = append(errs, err)
	}
	p.cancelRun(errStopped)

	// 7. Let ErrorHandler calls in progress finish.
	hooksDone := make(chan struct{})
	go func() {
		p.hooks.Wait()
		close(hooksDone)
	}()
	hooksTimer := time.NewTimer(p.cfg.HandlerExitGrace)
	defer hooksTimer.Stop()
	select {
	case <-hooksDone:
	case <-hooksTimer.C:
		errs = append(errs, errors.New("consumer stop: ErrorHandler calls did not return in time"))
	}
	p.log.Debug("asynqpg: processor stopped")
	return errors.Join(errs...)
}

// workersIdle returns a channel closed when no worker runs.
func (p *Processor) workersIdle() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	ch := make(chan struct{})
	if p.running == 0 {
		close(ch)
		return ch
	}
	p.idle = ch
	return ch
}

// runningCount returns the number of workers alive.
func (p *Processor) runningCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.running
}

// requeueUnfinished gives back the attempts that produced no outcome,
// trying again after failures until ctx ends.
func (p *Processor) requeueUnfinished(ctx context.Context) error {
	p.mu.Lock()
	keys := make([]AttemptKey, 0, len(p.attempts))
	for k, a := range p.attempts {
		if !a.lost {
			keys = append(keys, k)
		}
	}
	p.mu.Unlock()
	if len(keys) == 0 {
		return nil
	}
	delay := completerRetryMin
	for {
		n, err := RequeueAttempts(ctx, p.cfg.Executor, keys)
		if err == nil {
			p.log.Info("asynqpg: gave back unfinished tasks", "attempts", len(keys), "requeued", n)
			return nil
		}
		if ctx.Err() != nil || !startstop.Sleep(ctx, delay) {
			p.log.Error("asynqpg: could not give back unfinished tasks; they come back when their leases pass",
				"attempts", len(keys), "error", err)
			return fmt.Errorf("consumer stop: give back %d unfinished task(s): %w", len(keys), err)
		}
		p.log.Warn("asynqpg: giving back unfinished tasks failed; trying again", "error", err)
		delay = min(delay*2, completerRetryMax)
	}
}
