package engine

import "context"
import "time"

// rescueOwnTypes rescues the stuck tasks of the processor's own types
// every RescueInterval, until the processor's services stop. It serves
// processors that take no part in leader election (see
// ProcessorConfig.RescueLostAttempts): without it a task whose last
// attempt was lost would stay running when no leader's rescuer runs.
func (p *Processor) rescueOwnTypes(ctx context.Context) {
	types := make([]string, 0, len(p.runners))
	for t := range p.runners {
		types = append(types, t)
	}
	repeat(ctx, p.cfg.RescueInterval, nil, func() time.Duration {
		p.rescueOnce(ctx, types)
		return p.cfg.RescueInterval
	})
}

// rescueOnce runs the rescue statement over types in batches until one
// comes back short, and reports the tasks it failed to the ErrorHandler.
func (p *Processor) rescueOnce(svcCtx context.Context, types []string) {
	threshold := p.cfg.StuckThreshold.Microseconds()
	for svcCtx.Err() == nil {
		ctx, cancel := context.WithTimeout(svcCtx, claimTimeout)
		requeued, failed, err := rescueStuck(ctx, p.cfg.Executor, types, threshold, DefaultMaintenanceBatchSize, nil, nil)
		cancel()
		if err != nil {
			if svcCtx.Err() == nil {
				p.log.Warn("asynqpg: rescuing stuck tasks failed", "error", err)
			}
			return
		}
		if n := requeued + len(failed); n > 0 {
			p.log.Info("asynqpg: rescued stuck tasks", "requeued", requeued, "failed", len(failed))
		}
		for _, r := range failed {
			reportRescuedFailure(svcCtx, p.log, p.cfg.ErrorHandler, r)
		}
		if requeued+len(failed) < DefaultMaintenanceBatchSize {
			return
		}
	}
}
