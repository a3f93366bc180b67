package engine

import "context"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/observability"

// QueueStats reads the queue-health figures of every task type with one
// statement: the number of tasks in each status but completed, and how
// long the oldest ready pending task of each type has been ready.
func QueueStats(ctx context.Context, ex driver.Executor) ([]observability.QueueStat, error) {
	return queryAll(ctx, ex, "read queue stats", func(rows driver.Rows) (observability.QueueStat, error) {
		var (
			s        observability.QueueStat
			status   string
			oldestUs int64
		)
		err := rows.Scan(&s.Type, &status, &s.Count, &oldestUs)
		s.Status = asynqpg.TaskStatus(status)
		s.OldestReady = time.Duration(oldestUs) * time.Microsecond
		return s, err
	}, sqlQueueStats)
}
