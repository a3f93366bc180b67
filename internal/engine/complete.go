package engine

import "context"
import "log/slog"
import "sync"
import "time"

import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/startstop"

// Tuning of the batch completer.
const (
	// completerFlushSize is the number of waiting outcomes that makes the
	// batch completer write at once instead of waiting completerFlushDelay.
	completerFlushSize = 100
	// completerFlushDelay is the longest an outcome waits for others to
	// share its statement.
	completerFlushDelay = 5 * time.Millisecond
	// completerMaxBatch is the most outcomes one statement writes.
	completerMaxBatch = 1000
	// completerMaxQueued is the most outcomes waiting to be written; a
	// worker handing over another one waits (the database is slow or gone,
	// so claiming more work would not help).
	completerMaxQueued = 5000
	// completerStatementTimeout bounds one write.
	completerStatementTimeout = 30 * time.Second
	// completerRetryMin and completerRetryMax bound the wait between two
	// tries of a write that failed.
	completerRetryMin = 50 * time.Millisecond
	completerRetryMax = 5 * time.Second
)

// outcome is the outcome of an attempt on its way to the database.
type outcome struct {
	rec OutcomeRecord
	// a is the attempt the outcome is about.
	a *attempt
	// err is what the attempt failed with (nil for a success).
	err error
	// settled, when not nil, receives one value once the outcome's fate
	// is known: written, found stale, or given up. The worker that ran
	// the attempt waits for it before it takes another task, so that a
	// consumer never holds more unfinished tasks than it has workers. The
	// value says whether the worker was released already (by the claim
	// that wrote the outcome, for its whole batch at once); if not, the
	// worker releases itself.
	settled chan<- bool
}

// settle reports the fate of every outcome of batch to its worker;
// released says whether their workers were released already.
func settle(batch []*outcome, released bool) {
	for _, o := range batch {
		if o.settled != nil {
			o.settled <- released
		}
	}
}

// completerHooks are called by a completer once the fate of an outcome is
// known.
type completerHooks struct {
	// written is called for every outcome whose write ran; applied says
	// whether it changed the task (false: the attempt no longer owned it).
	written func(o *outcome, applied bool)
	// abandoned is called for outcomes given up after the stop deadline:
	// their tasks stay running until their leases pass.
	abandoned func(os []*outcome)
	// failed is called for every failed write.
	failed func(err error)
}

// completer writes the outcomes of attempts.
type completer interface {
	// submit hands o over. It may wait (the synchronous completer writes
	// before returning; the batch completer applies backpressure). It
	// returns false when the completer has stopped and did not take o.
	submit(o *outcome) bool
	// stop writes every outcome handed over, retrying failed writes
	// until ctx is done, then gives the rest up.
	stop(ctx context.Context)
	// handlersIdle says that no handler runs: waiting outcomes should be
	// written now.
	handlersIdle()
}

// outcomeWriter writes batches of outcomes with bounded retries.
type outcomeWriter struct {
	ex     driver.Executor
	logger *slog.Logger
	hooks  completerHooks
	// abortCtx is cancelled when writes must stop being retried.
	abortCtx context.Context
	abort    context.CancelFunc
}

func newOutcomeWriter(ex driver.Executor, logger *slog.Logger, hooks completerHooks) outcomeWriter {
	ctx, cancel := context.WithCancel(context.Background())
	return outcomeWriter{ex: ex, logger: logger, hooks: hooks, abortCtx: ctx, abort: cancel}
}

// stopAfter runs drain, which waits for the writes in progress to end,
// aborting them once ctx ends; the writer is aborted when drain returns.
func (w *outcomeWriter) stopAfter(ctx context.Context, drain func()) {
	unregister := context.AfterFunc(ctx, w.abort)
	drain()
	unregister()
	w.abort()
}

// write writes batch with one statement, trying again after a failure
// until it succeeds or the writer is aborted.
func (w *outcomeWriter) write(batch []*outcome) {
	recs := make([]OutcomeRecord, len(batch))
	for i, o := range batch {
		recs[i] = o.rec
	}
	delay := completerRetryMin
	for try := 1; ; try++ {
		ctx, cancel := context.WithTimeout(w.abortCtx, completerStatementTimeout)
		written, err := RecordOutcomes(ctx, w.ex, recs)
		cancel()
		if err == nil {
			for _, o := range batch {
				w.hooks.written(o, written[o.rec.Attempt])
			}
			settle(batch, false)
			return
		}
		w.hooks.failed(err)
		if w.abortCtx.Err() != nil {
			w.logger.Error("asynqpg: giving up writing task outcomes; their tasks stay running until their leases pass",
				"outcomes", len(batch), "tries", try, "error", err)
			w.hooks.abandoned(batch)
			settle(batch, false)
			return
		}
		wait := delay
		if retryAtOnce(err) {
			wait = 0
		}
		w.logger.Warn("asynqpg: writing task outcomes failed; trying again",
			"outcomes", len(batch), "tries", try, "retry_in", wait, "error", err)
		if wait == 0 {
			continue
		}
		if !startstop.Sleep(w.abortCtx, wait) {
			continue // aborted: the next try fails at once and gives up
		}
		delay = min(delay*2, completerRetryMax)
	}
}

// batchCompleter collects outcomes from workers and writes them with one
// statement per batch: as soon as completerFlushSize are waiting, or
// completerFlushDelay after the first of a batch arrived.
type batchCompleter struct {
	w outcomeWriter

	mu       sync.Mutex
	cond     *sync.Cond // signalled when the queue shrinks or the completer stops
	queue    []*outcome
	stopping bool
	stopped  bool

	wake chan struct{}  // the queue got work (capacity 1)
	idle chan struct{}  // no handler runs: nothing more comes soon (capacity 1)
	loop startstop.Base // run; its context ends when stop begins
}

func newBatchCompleter(ex driver.Executor, logger *slog.Logger, hooks completerHooks) *batchCompleter {
	c := &batchCompleter{
		w:    newOutcomeWriter(ex, logger, hooks),
		wake: make(chan struct{}, 1),
		idle: make(chan struct{}, 1),
	}
	c.cond = sync.NewCond(&c.mu)
	c.loop.Start(context.Background(), c.run)
	return c
}

func (c *batchCompleter) submit(o *outcome) bool {
	c.mu.Lock()
	for len(c.queue) >= completerMaxQueued && !c.stopped {
		c.cond.Wait()
	}
	if c.stopped {
		c.mu.Unlock()
		return false
	}
	c.queue = append(c.queue, o)
	n := len(c.queue)
	c.mu.Unlock()
	if n == 1 || n >= completerFlushSize {
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
	return true
}

// handlersIdle tells the completer that no handler runs: the outcomes
// waiting are all there will be until more tasks are claimed, and those
// claims wait for the workers they hold.
func (c *batchCompleter) handlersIdle() {
	select {
	case c.idle <- struct{}{}:
	default:
	}
}

func (c *batchCompleter) stop(ctx context.Context) {
	c.mu.Lock()
	c.stopping = true
	c.mu.Unlock()
	c.w.stopAfter(ctx, c.loop.Stop)
}

// run is the completer's loop. Once ctx ends it writes what is queued,
// without waiting for more, and returns.
func (c *batchCompleter) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		c.mu.Lock()
		n, stopping := len(c.queue), c.stopping
		if n == 0 && stopping {
			c.stopped = true
			c.cond.Broadcast()
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		if n == 0 {
			select {
			case <-c.wake:
			case <-ctx.Done():
			}
			continue
		}
		if n < completerFlushSize && !stopping {
			c.gather(ctx, timer)
		}
		c.mu.Lock()
		take := min(len(c.queue), completerMaxBatch)
		batch := make([]*outcome, take)
		copy(batch, c.queue)
		clear(c.queue[:take])
		c.queue = c.queue[take:]
		c.cond.Broadcast()
		c.mu.Unlock()
		c.w.write(batch)
	}
}

// gather waits until completerFlushDelay passed, completerFlushSize
// outcomes wait, no handler runs any more, or ctx ends.
func (c *batchCompleter) gather(ctx context.Context, timer *time.Timer) {
	timer.Reset(completerFlushDelay)
	defer timer.Stop()
	for {
		select {
		case <-timer.C:
			return
		case <-c.idle:
			return
		case <-ctx.Done():
			return
		case <-c.wake:
			c.mu.Lock()
			n := len(c.queue)
			c.mu.Unlock()
			if n >= completerFlushSize {
				return
			}
		}
	}
}

// syncCompleter writes each outcome with its own statement before submit
// returns.
type syncCompleter struct {
	w outcomeWriter

	mu      sync.Mutex
	stopped bool
	writing sync.WaitGroup
}

func newSyncCompleter(ex driver.Executor, logger *slog.Logger, hooks completerHooks) *syncCompleter {
	return &syncCompleter{w: newOutcomeWriter(ex, logger, hooks)}
}

func (c *syncCompleter) submit(o *outcome) bool {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return false
	}
	c.writing.Add(1)
	c.mu.Unlock()
	defer c.writing.Done()
	c.w.write([]*outcome{o})
	return true
}

func (c *syncCompleter) handlersIdle() {}

func (c *syncCompleter) stop(ctx context.Context) {
	c.mu.Lock()
	c.stopped = true
	c.mu.Unlock()
	c.w.stopAfter(ctx, c.writing.Wait)
}
