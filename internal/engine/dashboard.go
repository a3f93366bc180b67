package engine

import "context"
import "errors"
import "fmt"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"

// TypeStatusCount is the number of tasks of one type in one status.
type TypeStatusCount struct {
	Type   string
	Status string
	Count  int64
}

// CountByTypeStatus counts every task by type and status, exactly. It
// reads the whole table: on a large one, call it in the background.
func CountByTypeStatus(ctx context.Context, ex driver.Executor) ([]TypeStatusCount, error) {
	return queryAll(ctx, ex, "count tasks", scanFields(func(c *TypeStatusCount) []any {
		return []any{&c.Type, &c.Status, &c.Count}
	}), sqlCountByTypeStatus)
}

// TableSize is what the database knows of the size of asynqpg_tasks
// without reading it.
type TableSize struct {
	// Rows is the planner's estimate of the number of rows, negative when
	// the table was never analyzed.
	Rows float64
	// Bytes is the size of the table's main data on disk.
	Bytes int64
}

// ReadTableSize reads the planner's row estimate and the size on disk of
// asynqpg_tasks. A missing table is [asynqpg.ErrSchemaNotMigrated].
func ReadTableSize(ctx context.Context, ex driver.Executor) (TableSize, error) {
	var s TableSize
	err := ex.QueryRow(ctx, sqlTableSize).Scan(&s.Rows, &s.Bytes)
	if errors.Is(err, driver.ErrNoRows) {
		return s, fmt.Errorf("read table size: %w (missing: table asynqpg_tasks)", asynqpg.ErrSchemaNotMigrated)
	}
	if err != nil {
		return s, fmt.Errorf("read table size: %w", err)
	}
	return s, nil
}

// ColumnFrequency is the fraction of the rows of asynqpg_tasks whose
// Column ("status" or "type") holds Value, by the planner's statistics.
type ColumnFrequency struct {
	Column   string
	Value    string
	Fraction float64
}

// ColumnFrequencies reads the most common statuses and types of
// asynqpg_tasks from the planner's statistics; none before the table is
// first analyzed.
func ColumnFrequencies(ctx context.Context, ex driver.Executor) ([]ColumnFrequency, error) {
	return queryAll(ctx, ex, "read column statistics", scanFields(func(f *ColumnFrequency) []any {
		return []any{&f.Column, &f.Value, &f.Fraction}
	}), sqlColumnFrequencies)
}

// bulkBatch is the number of tasks one statement of a bulk action
// changes, so that no statement holds many row locks for long.
const bulkBatch = 1000

// BulkFilter selects the failed tasks a bulk action changes.
type BulkFilter struct {
	// Type, when set, keeps only the tasks of this type.
	Type *string
	// ByIDs keeps only the tasks whose id is in IDs (none when IDs is
	// empty); when false, IDs is ignored.
	ByIDs bool
	IDs   []int64
}

func (f BulkFilter) args() []any {
	ids := f.IDs
	if ids == nil {
		ids = []int64{}
	}
	return []any{f.Type, int64(bulkBatch), f.ByIDs, ids}
}

// BulkRetryFailed makes every failed task f selects pending and ready
// now, as [RetryTask] does for one, in batches. It returns the number of
// tasks changed, also when a later batch fails.
func BulkRetryFailed(ctx context.Context, ex driver.Executor, f BulkFilter) (int64, error) {
	return inBatches(ctx, func() (int64, error) {
		var n int64
		err := ex.QueryRow(ctx, sqlBulkRetryFailed, f.args()...).Scan(&n)
		return n, err
	}, "retry failed tasks")
}

// BulkDeleteFailed deletes every failed task f selects, in batches, and
// returns the number deleted, also when a later batch fails.
func BulkDeleteFailed(ctx context.Context, ex driver.Executor, f BulkFilter) (int64, error) {
	return inBatches(ctx, func() (int64, error) {
		return ex.Exec(ctx, sqlBulkDeleteFailed, f.args()...)
	}, "delete failed tasks")
}

// inBatches runs batch until it changes fewer than bulkBatch tasks.
func inBatches(ctx context.Context, batch func() (int64, error), what string) (int64, error) {
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("%s: %w", what, err)
		}
		n, err := batch()
		if err != nil {
			return total, fmt.Errorf("%s: %w", what, schemaError(err))
		}
		total += n
		if n < bulkBatch {
			return total, nil
		}
	}
}

// LeaderTerm is the last term of a leadership, which may have expired.
type LeaderTerm struct {
	LeaderID  string
	ElectedAt time.Time
	ExpiresAt time.Time
	// Left is the time until the term ends, by the database clock; zero
	// once it has ended.
	Left time.Duration
}

// CurrentLeader reads the last term of the leadership name, expired or
// not, as the original's dashboard shows it. It returns nil and no error
// while no term was ever recorded (or the last leader resigned).
func CurrentLeader(ctx context.Context, ex driver.Executor, name string) (*LeaderTerm, error) {
	var (
		t    LeaderTerm
		left float64
	)
	err := ex.QueryRow(ctx, sqlCurrentLeader, name).Scan(&t.LeaderID, &t.ElectedAt, &t.ExpiresAt, &left)
	if errors.Is(err, driver.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read leader %q: %w", name, schemaError(err))
	}
	t.Left = time.Duration(left * float64(time.Second))
	return &t, nil
}

// DatabaseNow returns the time by the database clock, in UTC.
func DatabaseNow(ctx context.Context, ex driver.Executor) (time.Time, error) {
	var now time.Time
	if err := ex.QueryRow(ctx, sqlDatabaseNow).Scan(&now); err != nil {
		return time.Time{}, fmt.Errorf("read database clock: %w", err)
	}
	return now.UTC(), nil
}

// MinuteCount is the number of tasks completed and failed in the minute
// that starts at Minute (UTC), by their finalized_at.
type MinuteCount struct {
	Minute    time.Time
	Completed int64
	Failed    int64
}

// FinalizedPerMinute counts the tasks completed and failed in each minute
// from from (included) to to (excluded), by finalized_at. Minutes without
// such a task are left out. It reads only the rows of that range.
func FinalizedPerMinute(ctx context.Context, ex driver.Executor, from, to time.Time) ([]MinuteCount, error) {
	return queryAll(ctx, ex, "count finalized tasks", func(rows driver.Rows) (MinuteCount, error) {
		var c MinuteCount
		err := rows.Scan(&c.Minute, &c.Completed, &c.Failed)
		c.Minute = c.Minute.UTC()
		return c, err
	}, sqlFinalizedPerMinute, from, to)
}
