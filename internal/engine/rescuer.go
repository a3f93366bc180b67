package engine

import "context"
import "errors"
import "fmt"
import "log/slog"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"

// ErrAttemptStuck is the error the rescuer reports to the ErrorHandler for
// a task it fails: its last attempt stayed running past its lease and the
// stuck threshold, and no attempt was left.
var ErrAttemptStuck = errors.New("rescued: the attempt was stuck in running past its lease")

// rescue returns stuck running tasks to pending, or fails them when their
// last attempt was the one lost, in batches until none is left. The
// ErrorHandler is called for each task failed.
func (m *Maintainer) rescue(ctx context.Context, guard func() bool, fenced bool, res *MaintenanceResult) error {
	threshold := m.cfg.StuckThreshold.Microseconds()
	err := m.batches(ctx, "rescue stuck tasks", guard, func(ctx context.Context, limit int) (int, error) {
		requeued, failed, err := m.rescueBatch(ctx, threshold, limit, fenced)
		if err != nil {
			return 0, err
		}
		res.Requeued += requeued
		res.Failed += len(failed)
		if n := requeued + len(failed); n > 0 {
			m.log.Debug("rescued a batch of stuck tasks", "requeued", requeued, "failed", len(failed))
		}
		for _, r := range failed {
			m.reportFailure(ctx, r)
		}
		return requeued + len(failed), nil
	})
	if res.Requeued+res.Failed > 0 {
		m.log.Info("rescued stuck tasks", "requeued", res.Requeued, "failed", res.Failed)
	}
	if err != nil {
		return fmt.Errorf("rescue stuck tasks: %w", err)
	}
	return nil
}

// rescueBatch runs one rescue statement, fenced by this maintainer's term
// when fenced is set.
func (m *Maintainer) rescueBatch(ctx context.Context, thresholdMicros int64, limit int, fenced bool) (int, []*TaskRow, error) {
	name, id := m.fence(fenced)
	return rescueStuck(ctx, m.cfg.Executor, nil, thresholdMicros, limit, name, id)
}

// rescueStuck runs one rescue statement over the tasks of types (every
// type when empty), fenced by the term of leader id of name when they are
// not nil. It returns how many tasks went back to pending and the rows of
// those that failed. Rows are reported only once the statement has
// completed, so a failed statement reports nothing.
func rescueStuck(ctx context.Context, ex driver.Executor, types []string, thresholdMicros int64, limit int,
	name, id *string,
) (int, []*TaskRow, error) {
	rows, err := ex.Query(ctx, sqlRescueStuck, thresholdMicros, int64(limit), name, id, types)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	var (
		requeued int
		failed   []*TaskRow
	)
	for rows.Next() {
		r, err := scanTask(rows)
		if err != nil {
			return 0, nil, fmt.Errorf("scan rescued task: %w", err)
		}
		if r.Status == asynqpg.TaskStatusFailed {
			failed = append(failed, r)
		} else {
			requeued++
		}
	}
	if err := rows.Err(); err != nil {
		return 0, nil, err
	}
	return requeued, failed, nil
}

// reportFailure hands a task the rescuer failed to the ErrorHandler.
func (m *Maintainer) reportFailure(ctx context.Context, r *TaskRow) {
	reportRescuedFailure(ctx, m.log, m.cfg.ErrorHandler, r)
}

// reportRescuedFailure logs a task the rescuer failed and hands it to h,
// when not nil. A panicking handler is logged and does not stop the
// rescue.
func reportRescuedFailure(ctx context.Context, log *slog.Logger, h asynqpg.ErrorHandler, r *TaskRow) {
	log.Warn("failed a stuck task with no attempts left",
		"task_id", r.ID, "task_type", r.Type, "attempts_elapsed", r.AttemptsElapsed)
	if h == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			log.Error("ErrorHandler panicked", "task_id", r.ID, "task_type", r.Type, "panic", fmt.Sprint(p))
		}
	}()
	h.HandleError(ctx, r.Info(), ErrAttemptStuck)
}
