// Package startstop starts and stops the background loops of asynqpg's
// services in one way: a [Base] runs one function at a time in its own
// goroutine, Stop cancels that function's context and waits for it to
// return, and both are safe to call more than once, concurrently, and
// again after a stop.
package startstop

import "context"
import "errors"
import "sync"

// ErrStop is the cause (see [context.Cause]) of the context of a run that
// [Base.Stop] ended, which tells it apart from a run whose parent context
// ended.
var ErrStop = errors.New("startstop: stopped")

// closed is a channel that is closed from the start.
var closed = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

// Base runs a background function. Its zero value is ready to use; it must
// not be copied after first use.
type Base struct {
	mu      sync.Mutex
	running bool
	cancel  context.CancelCauseFunc
	started chan struct{} // closed by the Start of the run in progress
	stopped chan struct{} // closed when the run in progress has returned
}

// Start runs run in a new goroutine with a context that ends with ctx or
// with Stop, and reports true; when a run is in progress already it does
// nothing and reports false.
func (b *Base) Start(ctx context.Context, run func(ctx context.Context)) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.running {
		return false
	}
	b.running = true
	runCtx, cancel := context.WithCancelCause(ctx)
	b.cancel = cancel
	if b.started == nil {
		b.started = make(chan struct{})
	}
	close(b.started)
	stopped := make(chan struct{})
	b.stopped = stopped
	go func() {
		defer func() {
			b.mu.Lock()
			b.running, b.cancel, b.started = false, nil, make(chan struct{})
			b.mu.Unlock()
			cancel(nil)
			close(stopped)
		}()
		run(runCtx)
	}()
	return true
}

// Stop cancels the context of the run in progress, with [ErrStop] as its
// cause, and waits for the run to return. Without a run in progress it
// returns at once.
func (b *Base) Stop() {
	b.mu.Lock()
	if !b.running {
		b.mu.Unlock()
		return
	}
	cancel, stopped := b.cancel, b.stopped
	b.mu.Unlock()
	cancel(ErrStop)
	<-stopped
}

// Running reports whether a run is in progress.
func (b *Base) Running() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.running
}

// Started returns a channel that is closed once a run is in progress: at
// once while one is, or by the next Start.
func (b *Base) Started() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.started == nil {
		b.started = make(chan struct{})
	}
	return b.started
}

// Stopped returns a channel that is closed once no run is in progress: when
// the run in progress returns, or at once when there is none.
func (b *Base) Stopped() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.running {
		return closed
	}
	return b.stopped
}
