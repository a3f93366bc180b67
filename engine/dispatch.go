package engine

import (
	"context"
	"sync"
	"time"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/observability"
)

// fetchErrorMaxDelay caps the wait after failed claims.
const fetchErrorMaxDelay = 5 * time.Second

// fetchCooldown is the longest a task type with a backlog waits for more
// of its workers to free up before claiming for those already free.
const fetchCooldown = 2 * time.Millisecond

// maxClaimsInFlight is the most claims a task type has in flight at once.
// While one claim waits on the database, the workers freed meanwhile can
// be claimed for by a second, so workers do not wait a whole claim's round
// trip for work.
const maxClaimsInFlight = 2

// typeRunner is the worker pool and fetch loop of one task type.
type typeRunner struct {
	p     *Processor
	cfg   TypeConfig
	lease time.Duration
	obs   *observability.TaskType

	mu       sync.Mutex
	active   int // workers busy
	reserved int // workers promised to claims in flight

	attempts  chan *attempt // claimed attempts waiting for a worker (capacity Workers)
	slotFreed chan struct{} // a worker became free (capacity 1)
	wake      chan struct{} // a task of this type may be ready (capacity 1)
}

func newTypeRunner(p *Processor, cfg TypeConfig) *typeRunner {
	return &typeRunner{
		p:         p,
		cfg:       cfg,
		lease:     cfg.Timeout + p.cfg.LeaseMargin,
		obs:       p.obs.Type(cfg.Type),
		attempts:  make(chan *attempt, cfg.Workers),
		slotFreed: make(chan struct{}, 1),
		wake:      make(chan struct{}, 1),
	}
}

// wakeUp tells the fetch loop that tasks of its type may be ready.
func (r *typeRunner) wakeUp() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// free returns the number of workers neither busy nor promised to a claim.
func (r *typeRunner) free() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cfg.Workers - r.active - r.reserved
}

// reserve promises every free worker to a claim and returns how many.
func (r *typeRunner) reserve() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.cfg.Workers - r.active - r.reserved
	r.reserved += n
	return n
}

// settle turns a claim's reservation of limit workers into claimed busy
// workers; the rest are free again.
func (r *typeRunner) settle(limit, claimed int) {
	r.mu.Lock()
	r.reserved -= limit
	r.active += claimed
	r.mu.Unlock()
}

// release frees a worker.
func (r *typeRunner) release() {
	r.mu.Lock()
	r.active--
	r.mu.Unlock()
	select {
	case r.slotFreed <- struct{}{}:
	default:
	}
}

// startWorkers starts the type's worker goroutines. They run the attempts
// handed to them until the fetch loop closes r.attempts; Stop waits for
// the attempts, not the goroutines (see Processor.running).
func (r *typeRunner) startWorkers() {
	for range r.cfg.Workers {
		go func() {
			for a := range r.attempts {
				r.run(a)
			}
		}()
	}
}

// claimResult is what a claim in flight reports to the fetch loop.
type claimResult struct {
	limit, claimed int
	err            error
}

// fetchLoop claims ready tasks and hands their attempts to the workers
// until the processor stops fetching; it waits for its claims in flight
// before it returns.
//
// After a claim that filled every worker it was for, there are probably
// more ready tasks: the loop claims again as soon as workers are free,
// gathering them first (half the workers, or fetchCooldown) so that one
// claim serves many, and with up to maxClaimsInFlight claims at once.
// After a short claim it waits for a notification of a new task of its
// type, or FetchInterval (tasks whose delay passes are found by this
// poll).
func (r *typeRunner) fetchLoop() {
	p := r.p
	ctx := p.fetchCtx
	// Claims run on maxClaimsInFlight goroutines of their own, kept for
	// the loop's life (a goroutine per claim would grow a new stack for
	// every claim).
	limits := make(chan int, maxClaimsInFlight)
	results := make(chan claimResult, maxClaimsInFlight)
	for range maxClaimsInFlight {
		go func() {
			for limit := range limits {
				n, err := r.claim(limit)
				results <- claimResult{limit: limit, claimed: n, err: err}
			}
		}()
	}
	inFlight := 0
	defer func() {
		for ; inFlight > 0; inFlight-- {
			<-results
		}
		close(limits)
		close(r.attempts)
	}()

	poll := time.NewTimer(0) // claim at once on start
	defer poll.Stop()
	cooldown := time.NewTimer(time.Hour)
	cooldown.Stop()
	defer cooldown.Stop()
	var (
		wanted   bool // a poll or a notification asks for a claim
		backlog  bool // the last claim was full: more tasks are probably ready
		cooling  bool // cooldown runs: waiting for more workers to free up
		cooled   bool // cooldown ran out: claim for the workers free
		failures int
	)
	for {
		if (wanted || backlog) && inFlight < maxClaimsInFlight {
			free := r.free()
			switch {
			case free == 0:
			case !backlog || free*2 >= r.cfg.Workers || cooled:
				if cooling {
					stopTimer(cooldown)
				}
				wanted, cooling, cooled = false, false, false
				inFlight++
				limits <- r.reserve()
				continue
			case !cooling:
				cooling = true
				cooldown.Reset(fetchCooldown)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
			wanted = true
		case <-r.wake:
			wanted = true
		case <-r.slotFreed:
		case <-cooldown.C:
			cooling, cooled = false, true
		case res := <-results:
			inFlight--
			if ctx.Err() != nil {
				return
			}
			resetTimer(poll, p.cfg.FetchInterval)
			if res.err != nil {
				failures++
				backlog = false
				delay := min(p.cfg.FetchInterval<<min(failures, 10), max(fetchErrorMaxDelay, p.cfg.FetchInterval))
				p.log.Warn("asynqpg: claiming tasks failed", "task_type", r.cfg.Type, "retry_in", delay, "error", res.err)
				r.obs.Error(context.Background(), asynqpg.ErrorTypeDB)
				resetTimer(poll, delay)
				continue
			}
			failures = 0
			backlog = res.claimed == res.limit
		}
	}
}

// claim claims up to limit tasks, for workers reserved by the fetch loop,
// and hands an attempt for each to the workers. A claim that returns
// after the processor stopped fetching gives its tasks back.
func (r *typeRunner) claim(limit int) (int, error) {
	p := r.p
	ctx, cancel := context.WithTimeout(p.runCtx, claimTimeout)
	defer cancel()
	claimed, err := ClaimTasks(ctx, p.cfg.Executor, r.cfg.Type, limit, r.lease)
	if err != nil || len(claimed) == 0 {
		r.settle(limit, 0)
		return 0, err
	}
	if p.fetchCtx.Err() != nil {
		r.settle(limit, 0)
		keys := make([]AttemptKey, len(claimed))
		for i, c := range claimed {
			keys[i] = c.Attempt
		}
		if _, err := RequeueAttempts(ctx, p.cfg.Executor, keys); err != nil {
			p.log.Warn("asynqpg: could not give back tasks claimed while stopping; they come back when their leases pass",
				"task_type", r.cfg.Type, "tasks", len(keys), "error", err)
		}
		return len(claimed), nil
	}
	p.log.Debug("asynqpg: claimed tasks", "task_type", r.cfg.Type, "tasks", len(claimed), "limit", limit)
	r.settle(limit, len(claimed))
	for _, c := range claimed {
		a := &attempt{task: c.Task, key: c.Attempt, runner: r, traceContext: c.TraceContext}
		a.ctx, a.cancel = context.WithTimeoutCause(p.runCtx, r.cfg.Timeout, ErrHandlerTimeout)
		p.register(a)
		r.attempts <- a
	}
	return len(claimed), nil
}

// resetTimer makes t fire after d.
func resetTimer(t *time.Timer, d time.Duration) {
	stopTimer(t)
	t.Reset(d)
}

// stopTimer stops t and drains a firing that was not received.
func stopTimer(t *time.Timer) {
	t.Stop()
	select {
	case <-t.C:
	default:
	}
}
