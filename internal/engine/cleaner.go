package engine

import "context"
import "fmt"
import "time"

import "github.com/yakser/asynqpg"

// clean deletes finalized tasks older than their status's retention, in
// batches until none is left.
func (m *Maintainer) clean(ctx context.Context, guard func() bool, fenced bool, res *MaintenanceResult) error {
	name, id := m.fence(fenced)
	for _, c := range []struct {
		status    asynqpg.TaskStatus
		retention time.Duration
		count     *int
	}{
		{asynqpg.TaskStatusCompleted, m.cfg.CompletedRetention, &res.DeletedCompleted},
		{asynqpg.TaskStatusFailed, m.cfg.FailedRetention, &res.DeletedFailed},
		{asynqpg.TaskStatusCancelled, m.cfg.CancelledRetention, &res.DeletedCancelled},
	} {
		what := fmt.Sprintf("clean %s tasks", c.status)
		retention := c.retention.Microseconds()
		err := m.batches(ctx, what, guard, func(ctx context.Context, limit int) (int, error) {
			n, err := m.cfg.Executor.Exec(ctx, sqlCleanFinalized, string(c.status), retention, int64(limit), name, id)
			if err != nil {
				return 0, err
			}
			*c.count += int(n)
			if n > 0 {
				m.log.Debug("deleted a batch of finalized tasks", "status", string(c.status), "deleted", n)
			}
			return int(n), nil
		})
		if *c.count > 0 {
			m.log.Info("deleted finalized tasks", "status", string(c.status), "deleted", *c.count,
				"retention", c.retention)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	return nil
}
