package engine

import "context"
import "fmt"
import "time"

// run is the election loop: a follower tries to become leader, the leader
// renews its term, every ElectInterval.
func (m *Maintainer) run(ctx context.Context) {
	stepDown := func() {
		m.janitor.Stop()
		m.periodic.Stop()
		m.mu.Lock()
		was := m.leading
		m.leading, m.deadline = false, time.Time{}
		m.mu.Unlock()
		if was {
			m.notify(false)
		}
	}

	repeat(ctx, 0, nil, func() time.Duration {
		sent := m.cfg.now()
		m.mu.Lock()
		leading, deadline := m.leading, m.deadline
		m.mu.Unlock()

		if leading {
			rctx, cancel := context.WithTimeout(ctx, deadline.Sub(sent))
			next, ok, err := m.elector.renew(rctx)
			cancel()
			switch {
			case err != nil:
				if ctx.Err() == nil {
					m.log.Warn("lost leadership: could not renew the term", "error", err)
				}
				stepDown()
			case !ok:
				m.mu.Lock()
				m.mayHoldTerm = false
				m.mu.Unlock()
				m.log.Info("lost leadership: the term ended")
				stepDown()
			default:
				m.mu.Lock()
				m.deadline = next
				m.mu.Unlock()
			}
		} else {
			ectx, cancel := context.WithTimeout(ctx, m.cfg.LeaderTTL)
			next, ok, err := m.elector.elect(ectx)
			cancel()
			switch {
			case err != nil:
				// The statement may have committed: a term of ours may exist.
				m.mu.Lock()
				m.mayHoldTerm = true
				m.mu.Unlock()
				if ctx.Err() == nil {
					m.log.Warn("leader election failed", "error", err)
				}
			case ok:
				m.mu.Lock()
				m.leading, m.deadline, m.mayHoldTerm = true, next, true
				m.mu.Unlock()
				m.log.Info("became leader")
				m.janitor.Start(ctx, m.runJanitor)
				if len(m.cfg.Periodic) > 0 {
					m.periodic.Start(ctx, m.runPeriodic)
				}
				m.notify(true)
			}
		}
		return max(0, m.cfg.ElectInterval-m.cfg.now().Sub(sent))
	})
	stepDown()
}

// notify reports a change of leadership to OnLeadershipChange.
func (m *Maintainer) notify(isLeader bool) {
	if m.cfg.OnLeadershipChange == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			m.log.Error("OnLeadershipChange panicked", "panic", fmt.Sprint(p))
		}
	}()
	m.cfg.OnLeadershipChange(isLeader)
}
