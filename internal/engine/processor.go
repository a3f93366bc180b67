package engine

import "context"
import "errors"
import "fmt"
import "log/slog"
import "sync"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/observability"
import "github.com/yakser/asynqpg/internal/startstop"

// claimTimeout bounds one claim statement.
const claimTimeout = 30 * time.Second

// Causes of a handler context's cancellation.
var (
	// errShutdown: the processor is stopping and the shutdown timeout passed.
	errShutdown = errors.New("consumer shutting down: shutdown timeout exceeded")
	// errStopped: the processor has stopped.
	errStopped = errors.New("consumer stopped")
)

// Processor states.
const (
	procNew = iota
	procRunning
	procStopping
)

// Processor claims the ready tasks of its task types, runs their handlers
// on per-type worker pools, and records the outcomes.
//
// Each type has its own fetch loop and a fixed pool of worker goroutines:
// the loop claims as many ready tasks as it has free workers, in one
// statement; after a full batch it claims again as soon as workers are
// free, with up to two claims at once (claimsInFlight), otherwise it waits
// for a notification of a new task of its type (where the Executor can
// LISTEN) or FetchInterval.
// Outcomes wait in their type's outbox for the next claim, which writes
// them and claims in one statement (RecordAndClaim); with
// DisableBatchCompleter, and once fetching stopped, a completer writes
// them instead. Each is guarded by its attempt key, so a stale attempt
// changes nothing; a worker takes its next task only once its outcome is
// written.
// Running attempts are checked for cancellation at every
// CancelCheckInterval and at once on a cancel notification.
type Processor struct {
	cfg     ProcessorConfig
	log     *slog.Logger
	obs     *observability.Instruments
	runners map[string]*typeRunner
	comp    completer

	// fetchCtx ends when Stop begins: no more claims.
	fetchCtx    context.Context
	cancelFetch context.CancelFunc
	// runCtx ends when the shutdown timeout passes: handler contexts and
	// claims in progress are cancelled.
	runCtx    context.Context
	cancelRun context.CancelCauseFunc
	// The services that run beside the fetch loops; Stop stops them once
	// the handlers have returned.
	cancelWatch startstop.Base // checkCancellations
	ownRescue   startstop.Base // rescueOwnTypes, with RescueLostAttempts
	listener    startstop.Base // listen, when the Executor can LISTEN

	fetchers sync.WaitGroup
	hooks    sync.WaitGroup // ErrorHandler calls in progress

	// notices carries cancelled task IDs from the listener to the cancel
	// checker.
	notices chan int64
	// pauses is the processor's view of the paused task types (see
	// watchPauses).
	pauses pauseView

	mu       sync.Mutex
	state    int
	attempts map[AttemptKey]*attempt // running attempts without a written-out outcome
	running  int                     // attempts whose handler has not returned
	idle     chan struct{}           // closed when running drops to 0 (set by Stop)

	stopDone chan struct{}
	stopErr  error
}

// attempt is one claimed task being worked on.
type attempt struct {
	task   *asynqpg.TaskInfo
	key    AttemptKey
	runner *typeRunner
	// traceContext is the trace context stored with the task.
	traceContext string
	// ctx is the parent of the handler context, one context for all of
	// its ends: it reaches its deadline (the type's timeout, counted from
	// the claim) with the cause ErrHandlerTimeout, ends with runCtx
	// (cause errShutdown) and is cancelled by cancel once the attempt is
	// lost.
	ctx    context.Context
	cancel context.CancelFunc
	// lost is set (under Processor.mu), before cancel is called, once the
	// attempt is known not to own its task any more.
	lost bool
	// attemptsLeft and attemptsElapsed are the task's counters as claimed:
	// the attempt's own record, which the handler cannot change (it gets
	// task, which it may).
	attemptsLeft, attemptsElapsed int
}

// NewProcessor validates cfg and returns a Processor; Start runs it.
func NewProcessor(cfg ProcessorConfig) (*Processor, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	p := &Processor{
		cfg:      cfg,
		log:      cfg.Logger,
		obs:      &observability.Instruments{Metrics: cfg.Metrics, Tracer: cfg.Tracer},
		runners:  make(map[string]*typeRunner, len(cfg.Types)),
		notices:  make(chan int64, 256),
		pauses:   newPauseView(),
		attempts: make(map[AttemptKey]*attempt),
		stopDone: make(chan struct{}),
	}
	p.fetchCtx, p.cancelFetch = context.WithCancel(context.Background())
	p.runCtx, p.cancelRun = context.WithCancelCause(context.Background())
	for _, t := range cfg.Types {
		p.runners[t.Type] = newTypeRunner(p, t)
	}
	return p, nil
}

// Start begins processing in the background. A Processor starts once.
func (p *Processor) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch p.state {
	case procRunning:
		return errors.New("processor: already started")
	case procStopping:
		return errors.New("processor: already stopped")
	}
	p.state = procRunning
	hooks := completerHooks{written: p.outcomeWritten, abandoned: p.outcomesAbandoned, failed: p.dbError}
	if p.cfg.DisableBatchCompleter {
		p.comp = newSyncCompleter(p.cfg.Executor, p.log, hooks)
	} else {
		p.comp = newBatchCompleter(p.cfg.Executor, p.log, hooks)
	}
	// The paused types are watched until fetching stops; the fetch loops
	// claim nothing before they were loaded once.
	p.fetchers.Add(1)
	go func() {
		defer p.fetchers.Done()
		p.watchPauses(p.fetchCtx)
	}()
	for _, r := range p.runners {
		r.startWorkers()
		p.fetchers.Add(1)
		go func() {
			defer p.fetchers.Done()
			r.fetchLoop()
		}()
	}
	p.cancelWatch.Start(context.Background(), p.checkCancellations)
	if p.cfg.RescueLostAttempts {
		p.ownRescue.Start(context.Background(), p.rescueOwnTypes)
	}
	if f, ok := p.cfg.Executor.(driver.ListenerFactory); ok {
		p.listener.Start(context.Background(), func(ctx context.Context) { p.listen(ctx, f) })
	}
	p.log.Debug("asynqpg: processor started", "task_types", len(p.runners),
		"batch_completer", !p.cfg.DisableBatchCompleter)
	return nil
}

// register records a claimed attempt and counts its worker.
func (p *Processor) register(a *attempt) {
	p.mu.Lock()
	p.attempts[a.key] = a
	p.running++
	p.mu.Unlock()
}

// isLost reports whether attempt a is known not to own its task any more.
func (p *Processor) isLost(a *attempt) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return a.lost
}

// forget drops an attempt whose outcome was handed over or is moot.
func (p *Processor) forget(a *attempt) {
	p.mu.Lock()
	delete(p.attempts, a.key)
	p.mu.Unlock()
}

// workerDone counts a worker's handler out.
func (p *Processor) workerDone() {
	p.mu.Lock()
	p.running--
	none := p.running == 0
	if none && p.idle != nil {
		close(p.idle)
		p.idle = nil
	}
	p.mu.Unlock()
	if none {
		p.comp.handlersIdle()
	}
}

// outcomeWritten is called by the completer once an outcome's write ran.
func (p *Processor) outcomeWritten(o *outcome, applied bool) {
	a := o.a
	if !applied {
		p.log.Info("asynqpg: outcome not recorded: the attempt no longer owns its task (cancelled, deleted or claimed again)",
			"task_id", a.key.ID, "task_type", a.runner.cfg.Type, "outcome", o.rec.Status)
		return
	}
	switch o.rec.Status {
	case outcomeFailed:
		p.log.Warn("asynqpg: task failed", "task_id", a.key.ID, "task_type", a.runner.cfg.Type,
			"attempts_elapsed", a.attemptsElapsed+int(o.rec.Spent), "error", o.rec.Message)
		if p.cfg.ErrorHandler != nil {
			p.callErrorHandler(o)
		}
	case outcomePending:
		if o.rec.Delay == 0 {
			a.runner.wakeUp()
		}
	}
}

// outcomesAbandoned is called by the completer for outcomes it gave up.
func (p *Processor) outcomesAbandoned(os []*outcome) {
	for _, o := range os {
		p.log.Error("asynqpg: outcome lost; the task runs again when its lease passes",
			"task_id", o.a.key.ID, "task_type", o.a.runner.cfg.Type, "outcome", o.rec.Status)
	}
}

// dbError counts a failed statement in the error metrics. A batch of
// outcomes may be of several types, so the count has no task type.
func (p *Processor) dbError(error) {
	p.obs.Type("").Error(context.Background(), asynqpg.ErrorTypeDB)
}

// callErrorHandler calls the ErrorHandler for a permanent failure, in its
// own goroutine so a slow handler does not hold up the completer.
func (p *Processor) callErrorHandler(o *outcome) {
	p.hooks.Add(1)
	go func() {
		defer p.hooks.Done()
		defer func() {
			if v := recover(); v != nil {
				p.log.Error("asynqpg: ErrorHandler panicked", "task_id", o.a.key.ID, "task_type", o.a.runner.cfg.Type,
					"panic", fmt.Sprint(v))
			}
		}()
		info := o.a.record()
		ctx := asynqpg.WithTaskMetadata(context.Background(), TaskMetadata(&info))
		p.cfg.ErrorHandler.HandleError(ctx, &info, o.err)
	}()
}

// record returns the TaskInfo the handler got, with the fields the
// attempt keeps its own record of as claimed (a handler may have changed
// them in its copy).
func (a *attempt) record() asynqpg.TaskInfo {
	info := *a.task
	info.ID, info.Type = a.key.ID, a.runner.cfg.Type
	info.AttemptsLeft, info.AttemptsElapsed = a.attemptsLeft, a.attemptsElapsed
	return info
}

// TaskMetadata is the metadata a handler finds in its context for task:
// its ID, the attempts it has had (RetryCount) and may have in all
// (MaxRetry), and when it was created.
func TaskMetadata(t *asynqpg.TaskInfo) asynqpg.TaskMetadata {
	return asynqpg.TaskMetadata{
		ID:         t.ID,
		RetryCount: t.AttemptsElapsed,
		MaxRetry:   t.AttemptsElapsed + t.AttemptsLeft,
		CreatedAt:  t.CreatedAt,
	}
}
