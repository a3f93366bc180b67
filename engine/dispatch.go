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

// typeRunner is the worker pool and fetch loop of one task type.
type typeRunner struct {
	p     *Processor
	cfg   TypeConfig
	lease time.Duration
	obs   *observability.TaskType

	mu     sync.Mutex
	active int // workers busy

	slotFreed chan struct{} // a worker became free (capacity 1)
	wake      chan struct{} // a task of this type may be ready (capacity 1)
}

func newTypeRunner(p *Processor, cfg TypeConfig) *typeRunner {
	return &typeRunner{
		p:         p,
		cfg:       cfg,
		lease:     cfg.Timeout + p.cfg.LeaseMargin,
		obs:       p.obs.Type(cfg.Type),
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

// free returns the number of idle workers.
func (r *typeRunner) free() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cfg.Workers - r.active
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

// fetchLoop claims ready tasks and starts their attempts until the
// processor stops fetching.
//
// After a claim that filled every free worker there are probably more
// ready tasks: the loop claims again as soon as a worker is free. After a
// short claim it waits for a notification of a new task of its type, or
// FetchInterval (tasks whose delay passes are found by this poll).
func (r *typeRunner) fetchLoop() {
	p := r.p
	ctx := p.fetchCtx
	poll := time.NewTimer(0) // claim at once on start
	defer poll.Stop()
	backlog := false
	failures := 0
	for {
		if !backlog {
			select {
			case <-ctx.Done():
				return
			case <-poll.C:
			case <-r.wake:
			}
			backlog = true
		}
		free := r.free()
		if free == 0 {
			select {
			case <-ctx.Done():
				return
			case <-r.slotFreed:
			}
			continue
		}
		if backlog && !r.gatherFreeWorkers(ctx, free) {
			return
		}
		free = r.free()
		n, err := r.claim(free)
		if ctx.Err() != nil {
			return
		}
		resetTimer(poll, p.cfg.FetchInterval)
		if err != nil {
			failures++
			backlog = false
			delay := min(p.cfg.FetchInterval<<min(failures, 10), max(fetchErrorMaxDelay, p.cfg.FetchInterval))
			p.log.Warn("asynqpg: claiming tasks failed", "task_type", r.cfg.Type, "retry_in", delay, "error", err)
			r.obs.Error(context.Background(), asynqpg.ErrorTypeDB)
			resetTimer(poll, delay)
			continue
		}
		failures = 0
		backlog = n == free
	}
}

// gatherFreeWorkers waits, while a backlog remains, until half the workers
// are free or fetchCooldown has passed since free were, so that one claim
// serves many workers: a claim per freed worker would cost a statement per
// task. It returns false when the processor stops fetching.
func (r *typeRunner) gatherFreeWorkers(ctx context.Context, free int) bool {
	if free*2 >= r.cfg.Workers {
		return true
	}
	cooldown := time.NewTimer(fetchCooldown)
	defer cooldown.Stop()
	for r.free()*2 < r.cfg.Workers {
		select {
		case <-ctx.Done():
			return false
		case <-cooldown.C:
			return true
		case <-r.slotFreed:
		}
	}
	return true
}

// claim claims up to limit tasks and starts an attempt for each. A claim
// that returns after the processor stopped fetching gives its tasks back.
func (r *typeRunner) claim(limit int) (int, error) {
	p := r.p
	ctx, cancel := context.WithTimeout(p.runCtx, claimTimeout)
	defer cancel()
	claimed, err := ClaimTasks(ctx, p.cfg.Executor, r.cfg.Type, limit, r.lease)
	if err != nil {
		return 0, err
	}
	if len(claimed) == 0 {
		return 0, nil
	}
	if p.fetchCtx.Err() != nil {
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
	r.mu.Lock()
	r.active += len(claimed)
	r.mu.Unlock()
	for _, c := range claimed {
		a := &attempt{task: c.Task, key: c.Attempt, runner: r, traceContext: c.TraceContext}
		a.ctx, a.cancel = context.WithCancelCause(p.runCtx)
		p.register(a)
		go r.run(a)
	}
	return len(claimed), nil
}

// resetTimer makes t fire after d.
func resetTimer(t *time.Timer, d time.Duration) {
	t.Stop()
	select {
	case <-t.C:
	default:
	}
	t.Reset(d)
}
