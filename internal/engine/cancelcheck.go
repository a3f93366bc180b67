package engine

import "context"
import "time"

// cancelCheckTimeout bounds one check of the running attempts.
const cancelCheckTimeout = 10 * time.Second

// checkCancellations cancels the handler contexts of running attempts
// that no longer own their task: every CancelCheckInterval it asks the
// database about all running attempts (this catches cancellations,
// deletions and attempts whose lease passed and whose task was claimed
// again), and at once about a task named by a cancel notification.
func (p *Processor) checkCancellations(ctx context.Context) {
	ticker := time.NewTicker(p.cfg.CancelCheckInterval)
	defer ticker.Stop()
	for {
		var only map[int64]bool
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		case id := <-p.notices:
			only = map[int64]bool{id: true}
			// Take the other notices already queued in the same check.
		drain:
			for {
				select {
				case id := <-p.notices:
					only[id] = true
				default:
					break drain
				}
			}
		}
		p.checkAttempts(ctx, only)
	}
}

// checkAttempts checks the running attempts (only those of the tasks in
// only, when it is not nil) and cancels the lost ones.
func (p *Processor) checkAttempts(ctx context.Context, only map[int64]bool) {
	p.mu.Lock()
	keys := make([]AttemptKey, 0, len(p.attempts))
	for k, a := range p.attempts {
		if !a.lost && (only == nil || only[k.ID]) {
			keys = append(keys, k)
		}
	}
	p.mu.Unlock()
	if len(keys) == 0 {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, cancelCheckTimeout)
	defer cancel()
	lost, err := LostAttempts(cctx, p.cfg.Executor, keys)
	if err != nil {
		if ctx.Err() == nil {
			p.log.Warn("asynqpg: checking running tasks for cancellation failed", "error", err)
			p.dbError(err)
		}
		return
	}
	for _, k := range lost {
		p.mu.Lock()
		a := p.attempts[k]
		if a != nil && !a.lost {
			a.lost = true
		} else {
			a = nil
		}
		p.mu.Unlock()
		if a != nil {
			p.log.Info("asynqpg: cancelling the handler of a task that was cancelled, deleted or claimed again",
				"task_id", k.ID, "task_type", a.runner.cfg.Type)
			a.cancel()
		}
	}
}

// cancelNotice passes the ID of a task cancelled while running, announced
// on [ChannelCancel], to the cancel checker when one of its attempts runs
// here.
func (p *Processor) cancelNotice(id int64) {
	p.mu.Lock()
	found := false
	for k := range p.attempts {
		if k.ID == id {
			found = true
			break
		}
	}
	p.mu.Unlock()
	if !found {
		return
	}
	select {
	case p.notices <- id:
	default:
		// The queue is full: the periodic check catches it.
	}
}
