package engine

import "context"
import "errors"
import "log/slog"
import "time"

import "github.com/yakser/asynqpg/driver"

// minBatchSize is the floor a maintenance batch is halved down to when its
// statements time out.
const minBatchSize = 10

// errNotLeader stops a maintenance run whose leadership ended.
var errNotLeader = errors.New("leadership ended")

// MaintenanceResult counts what one maintenance run did.
type MaintenanceResult struct {
	// Requeued counts stuck tasks returned to pending.
	Requeued int
	// Failed counts stuck tasks failed because no attempt was left.
	Failed int
	// DeletedCompleted counts completed tasks deleted.
	DeletedCompleted int
	// DeletedFailed counts failed tasks deleted.
	DeletedFailed int
	// DeletedCancelled counts cancelled tasks deleted.
	DeletedCancelled int
}

// maintain runs the rescuer and the cleaner. guard, when not nil, is asked
// before every statement whether to go on.
//
// With a guard (the leader's own runs) every statement is also fenced in
// the database: it changes nothing unless this maintainer holds an
// unexpired term by the database clock.
func (m *Maintainer) maintain(ctx context.Context, guard func() bool) (MaintenanceResult, error) {
	var res MaintenanceResult
	fenced := guard != nil
	if err := m.rescue(ctx, guard, fenced, &res); err != nil {
		return res, err
	}
	if err := m.clean(ctx, guard, fenced, &res); err != nil {
		return res, err
	}
	return res, nil
}

// batches runs step, which handles up to limit rows and returns how many it
// handled, until a batch comes back short. A statement that times out
// (SQLSTATE 57014 while ctx is live) is retried with half the batch, down
// to minBatchSize.
func (m *Maintainer) batches(ctx context.Context, what string, guard func() bool,
	step func(ctx context.Context, limit int) (int, error),
) error {
	size := m.cfg.BatchSize
	floor := min(minBatchSize, size)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if guard != nil && !guard() {
			return errNotLeader
		}
		n, err := step(ctx, size)
		if err != nil {
			if ctx.Err() == nil && driver.SQLState(err) == driver.CodeQueryCanceled && size > floor {
				size = max(size/2, floor)
				m.log.Info("maintenance statement timed out; halving its batch",
					"work", what, "batch_size", size, "error", err)
				continue
			}
			return err
		}
		if n < size {
			return nil
		}
	}
}

// runJanitor runs maintenance at once and then every JanitorInterval
// until ctx ends, which also cancels a run in progress.
func (m *Maintainer) runJanitor(ctx context.Context) {
	repeat(ctx, 0, nil, func() time.Duration {
		res, err := m.maintain(ctx, m.IsLeader)
		switch {
		case err == nil:
			m.log.Debug("maintenance done", res.logAttrs()...)
		case ctx.Err() != nil || errors.Is(err, errNotLeader):
			m.log.Debug("maintenance interrupted: leadership ended", "error", err)
		default:
			m.log.Error("maintenance failed", "error", err)
		}
		return m.cfg.JanitorInterval
	})
}

// logAttrs are the attributes logged with the result of a maintenance run.
func (r MaintenanceResult) logAttrs() []any {
	return []any{
		slog.Int("requeued", r.Requeued),
		slog.Int("failed", r.Failed),
		slog.Int("deleted_completed", r.DeletedCompleted),
		slog.Int("deleted_failed", r.DeletedFailed),
		slog.Int("deleted_cancelled", r.DeletedCancelled),
	}
}

// fence returns the leader name and ID that fence a maintenance statement,
// or NULLs for an unfenced one.
func (m *Maintainer) fence(fenced bool) (name, id *string) {
	if !fenced {
		return nil, nil
	}
	return &m.cfg.LeaderName, &m.cfg.ClientID
}
