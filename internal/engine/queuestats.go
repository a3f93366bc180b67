package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/driver"
	"github.com/yakser/asynqpg/internal/observability"
)

// QueueStats reads the queue-health figures of every task type with one
// statement: the number of tasks in each status but completed, and how
// long the oldest ready pending task of each type has been ready.
func QueueStats(ctx context.Context, ex driver.Executor) ([]observability.QueueStat, error) {
	rows, err := ex.Query(ctx, sqlQueueStats)
	if err != nil {
		return nil, fmt.Errorf("read queue stats: %w", err)
	}
	defer rows.Close()
	var out []observability.QueueStat
	for rows.Next() {
		var (
			s        observability.QueueStat
			status   string
			oldestUs int64
		)
		if err := rows.Scan(&s.Type, &status, &s.Count, &oldestUs); err != nil {
			return nil, fmt.Errorf("read queue stats: scan: %w", err)
		}
		s.Status = asynqpg.TaskStatus(status)
		s.OldestReady = time.Duration(oldestUs) * time.Microsecond
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read queue stats: %w", err)
	}
	return out, nil
}
