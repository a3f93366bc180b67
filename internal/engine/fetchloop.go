package engine

import "context"
import "sync"
import "sync/atomic"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/observability"

// fetchErrorMaxDelay caps the wait after failed claims.
const fetchErrorMaxDelay = 5 * time.Second

// fetchCooldown is the longest a task type with a backlog waits for more
// of its workers to free up before claiming for those already free.
const fetchCooldown = 2 * time.Millisecond

// typeRunner is the worker pool and fetch loop of one task type.
type typeRunner struct {
	p     *Processor
	cfg   TypeConfig
	lease time.Duration
	obs   *observability.TaskType

	// paused is set while the type is paused (see watchPauses), and until
	// the paused types were loaded once: the fetch loop then claims
	// nothing, and only writes the outcomes of its attempts.
	paused atomic.Bool

	mu       sync.Mutex
	active   int // workers busy (running a handler, or waiting for its outcome to be written)
	reserved int // workers promised to claims in flight

	// outbox holds the outcomes of this type's attempts waiting to be
	// written by the next claim (see RecordAndClaim); once the fetch loop
	// has stopped (outboxClosed), outcomes go to the processor's
	// completer instead.
	outMu        sync.Mutex
	outbox       []*outcome
	outboxClosed bool
	outboxReady  chan struct{} // the outbox got an outcome (capacity 1)

	attempts  chan *attempt // claimed attempts waiting for a worker (capacity 2*Workers)
	slotFreed chan struct{} // a worker became free (capacity 1)
	wake      chan struct{} // a task of this type may be ready (capacity 1)
}

func newTypeRunner(p *Processor, cfg TypeConfig) *typeRunner {
	r := &typeRunner{
		p:           p,
		cfg:         cfg,
		lease:       cfg.Timeout + p.cfg.LeaseMargin,
		obs:         p.obs.Type(cfg.Type),
		attempts:    make(chan *attempt, 2*cfg.Workers),
		slotFreed:   make(chan struct{}, 1),
		outboxReady: make(chan struct{}, 1),
		wake:        make(chan struct{}, 1),
	}
	r.paused.Store(true)
	return r
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
	return max(r.cfg.Workers-r.active-r.reserved, 0)
}

// reserve promises every free worker to a claim and returns how many.
func (r *typeRunner) reserve() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := max(r.cfg.Workers-r.active-r.reserved, 0)
	r.reserved += n
	return n
}

// settle turns a claim's reservation of reserved workers into busy ones:
// busy more are busy (fewer when negative: the workers of the outcomes a
// claim wrote are freed by it); the rest are free again.
func (r *typeRunner) settle(reserved, busy int) {
	r.mu.Lock()
	r.reserved -= reserved
	r.active += busy
	r.mu.Unlock()
}

// release frees a worker.
func (r *typeRunner) release() {
	r.mu.Lock()
	r.active--
	r.mu.Unlock()
	r.signalFreed()
}

// signalFreed tells the fetch loop that workers were freed.
func (r *typeRunner) signalFreed() {
	select {
	case r.slotFreed <- struct{}{}:
	default:
	}
}

// startWorkers starts the type's worker goroutines. They run the attempts
// handed to them until the fetch loop closes r.attempts; Stop waits for
// the attempts, not the goroutines (see Processor.running). A worker is
// freed for another claim only once the outcome of its attempt is settled
// (written, or given up), so the tasks a consumer holds running in the
// database never outnumber its workers: a consumer killed at any moment
// leaves at most its worker count of tasks to run again.
func (r *typeRunner) startWorkers() {
	for range r.cfg.Workers {
		go func() {
			settled := make(chan bool, 1)
			for a := range r.attempts {
				if !r.run(a, settled) || !<-settled {
					r.release()
				}
			}
		}()
	}
}

// claimJob is a claim for the fetch loop's claimer goroutines: the
// outcomes it writes, and the number of tasks it claims, for the workers
// reserved and those the outcomes free.
type claimJob struct {
	outs     []*outcome
	reserved int
	// backlog: the type's last claim was full, so tasks are probably
	// ready (see RecordAndClaim).
	backlog bool
	// paused: the type is paused; the job only writes its outcomes.
	paused bool
	// after: the claim scans the pending tasks after this cursor (see
	// claimScan).
	after ClaimCursor
}

// limit is the number of tasks the job claims.
func (j claimJob) limit() int {
	if j.paused {
		return 0
	}
	return j.reserved + len(j.outs)
}

// claimResult is what a claim in flight reports to the fetch loop.
type claimResult struct {
	limit, claimed, outcomes int
	// afterCursor: the claim scanned after a cursor; cursor: its own.
	afterCursor bool
	cursor      ClaimCursor
	err         error
}

// fetchLoop claims ready tasks and hands their attempts to the workers
// until the processor stops fetching; it waits for its claims in flight
// before it returns.
//
// After a claim that filled every worker it was for, there are probably
// more ready tasks: the loop claims again as soon as workers are free,
// gathering them first (see claimBatch, or fetchCooldown) so that one
// claim serves many, and with up to claimsInFlight claims at once; such
// claims scan the pending tasks after the last claim's cursor (see
// claimScan). After a short claim it waits for a notification of a new
// task of its type, or FetchInterval (tasks whose delay passes are found
// by this poll), unless the claim scanned after a cursor. While the type
// is paused it claims nothing: it only writes the outcomes of its
// attempts, with claims of no task.
func (r *typeRunner) fetchLoop() {
	p := r.p
	ctx := p.fetchCtx
	// Claims run on goroutines of their own, one per claim in flight, kept
	// for the loop's life (a goroutine per claim would grow a new stack
	// for every claim).
	limit := r.claimsInFlight()
	jobs := make(chan claimJob, limit)
	results := make(chan claimResult, limit)
	for range limit {
		go func() {
			for job := range jobs {
				n, cursor, err := r.claim(job)
				results <- claimResult{limit: job.limit(), claimed: n, outcomes: len(job.outs),
					afterCursor: !job.after.IsZero(), cursor: cursor, err: err}
			}
		}()
	}
	inFlight := 0
	defer func() {
		for ; inFlight > 0; inFlight-- {
			<-results
		}
		close(jobs)
		r.closeOutbox()
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
		scan     = claimScan{interval: p.cfg.FetchInterval}
	)
	for {
		waiting := r.outboxLen()
		if r.paused.Load() {
			if cooling {
				stopTimer(cooldown)
			}
			wanted, backlog, cooling, cooled = false, false, false, false
			if waiting > 0 && inFlight < limit {
				inFlight++
				jobs <- claimJob{outs: r.takeOutbox(), paused: true}
				continue
			}
		} else if (wanted || backlog || waiting > 0) && inFlight < limit {
			// Workers whose outcome waits are freed by the claim that
			// writes it, so they count as free.
			free := r.free() + waiting
			switch {
			case free == 0:
			case !backlog || free >= r.claimBatch() || cooled:
				if cooling {
					stopTimer(cooldown)
				}
				wanted, cooling, cooled = false, false, false
				inFlight++
				outs := r.takeOutbox()
				jobs <- claimJob{outs: outs, reserved: r.reserve(), backlog: backlog, after: scan.next(time.Now())}
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
			scan.restart()
		case <-r.wake:
			wanted = true
			scan.restart()
		case <-r.slotFreed:
		case <-r.outboxReady:
		case <-cooldown.C:
			cooling, cooled = false, true
		case res := <-results:
			inFlight--
			if ctx.Err() != nil {
				return
			}
			resetTimer(poll, p.cfg.FetchInterval)
			scan.claimed(res)
			if res.err != nil {
				backlog = false
				var delay time.Duration // at once, for a retryAtOnce failure however often it came
				if !retryAtOnce(res.err) {
					failures++
					delay = backoff(p.cfg.FetchInterval, failures, max(fetchErrorMaxDelay, p.cfg.FetchInterval))
				}
				p.log.Warn("asynqpg: claiming tasks failed", "task_type", r.cfg.Type, "retry_in", delay, "error", res.err)
				if res.outcomes > 0 {
					p.dbError(res.err) // it wrote outcomes too, counted like the completer's writes
				} else {
					r.obs.Error(context.Background(), asynqpg.ErrorTypeDB)
				}
				resetTimer(poll, delay)
				continue
			}
			failures = 0
			// A short claim after a cursor leaves the tasks before it, and
			// those of lower priorities: the next claim, from the first
			// ready task, follows at once.
			backlog = res.claimed == res.limit || res.afterCursor
		}
	}
}

// claim writes the outcomes of job and claims tasks for its workers in
// one statement (see RecordAndClaim), then hands an attempt for each task
// to the workers. The workers of the outcomes are freed once the
// statement is done. A claim that returns after the processor stopped
// fetching gives its tasks back. When the statement fails, the outcomes
// go to the processor's completer, which retries them.
func (r *typeRunner) claim(job claimJob) (int, ClaimCursor, error) {
	p := r.p
	ctx, cancel := context.WithTimeout(p.runCtx, claimTimeout)
	defer cancel()
	recs := make([]OutcomeRecord, len(job.outs))
	for i, o := range job.outs {
		recs[i] = o.rec
	}
	limit := job.limit()
	var (
		claimed []ClaimedTask
		written map[AttemptKey]bool
		cursor  ClaimCursor
		err     error
	)
	if slots := r.cfg.GlobalConcurrency; slots > 0 && limit > 0 {
		claimed, written, err = RecordAndClaimLimited(ctx, p.cfg.Executor, r.cfg.Type, recs, limit, r.lease, slots)
	} else {
		claimed, written, cursor, err = RecordAndClaim(ctx, p.cfg.Executor, r.cfg.Type, recs, limit, r.lease, job.backlog, job.after)
	}
	if err != nil {
		r.settle(job.reserved, 0)
		r.handOver(job.outs)
		return 0, ClaimCursor{}, err
	}
	// The claimed tasks take their workers, and the workers of the
	// outcomes are released, at once, so that no other claim counts a
	// worker twice.
	stopping := p.fetchCtx.Err() != nil
	if stopping {
		r.settle(job.reserved, -len(job.outs))
	} else {
		r.settle(job.reserved, len(claimed)-len(job.outs))
	}
	if len(job.outs) > 0 {
		r.signalFreed()
	}
	for _, o := range job.outs {
		p.outcomeWritten(o, written[o.rec.Attempt])
	}
	if len(claimed) == 0 {
		settle(job.outs, true)
		return 0, cursor, nil
	}
	if stopping {
		settle(job.outs, true)
		keys := make([]AttemptKey, len(claimed))
		for i, c := range claimed {
			keys[i] = c.Attempt
		}
		if _, err := RequeueAttempts(ctx, p.cfg.Executor, keys); err != nil {
			p.log.Warn("asynqpg: could not give back tasks claimed while stopping; they come back when their leases pass",
				"task_type", r.cfg.Type, "tasks", len(keys), "error", err)
		}
		return len(claimed), cursor, nil
	}
	p.log.Debug("asynqpg: claimed tasks", "task_type", r.cfg.Type, "tasks", len(claimed), "limit", limit,
		"outcomes", len(job.outs))
	for _, c := range claimed {
		a := &attempt{task: c.Task, key: c.Attempt, runner: r, traceContext: c.TraceContext,
			attemptsLeft: c.Task.AttemptsLeft, attemptsElapsed: c.Task.AttemptsElapsed}
		a.ctx, a.cancel = context.WithTimeoutCause(p.runCtx, r.cfg.Timeout, ErrHandlerTimeout)
		p.register(a)
		r.attempts <- a // never blocks: the workers claimed for are free, and the channel holds them all
	}
	// The workers of the outcomes learn that they are free once the new
	// attempts wait for them, so that one woken takes its next attempt at
	// once rather than waiting again.
	settle(job.outs, true)
	return len(claimed), cursor, nil
}
