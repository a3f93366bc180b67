package engine

import "context"
import "errors"
import "fmt"
import "slices"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"

// Errors of the task management operations, returned by package client
// as they are. An operation refused for the task's state returns the task
// with the error.
var (
	// ErrTaskNotFound is returned when the requested task does not exist.
	ErrTaskNotFound = errors.New("task not found")
	// ErrTaskRunning is returned when an operation cannot be performed
	// because the task is currently being processed.
	ErrTaskRunning = errors.New("task is currently running")
	// ErrTaskAlreadyFinalized is returned when an operation cannot be
	// performed because the task is already in a terminal state (completed).
	ErrTaskAlreadyFinalized = errors.New("task is already in a terminal state")
	// ErrTaskAlreadyAvailable is returned when trying to retry a task that
	// is already in a pending state.
	ErrTaskAlreadyAvailable = errors.New("task is already available for processing")
)

// GetTask reads task id. It returns [ErrTaskNotFound] when there is none.
func GetTask(ctx context.Context, ex driver.Executor, id int64) (*TaskRow, error) {
	row, err := scanTask(ex.QueryRow(ctx, sqlGetTask, id))
	if errors.Is(err, driver.ErrNoRows) {
		return nil, ErrTaskNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get task: %w", schemaError(err))
	}
	return row, nil
}

// CancelTask cancels task id:
//   - pending or failed: cancelled, finalized now;
//   - running: the same, and consumers are notified on [ChannelCancel]
//     when the change commits;
//   - cancelled: unchanged, returned as it is;
//   - completed: [ErrTaskAlreadyFinalized];
//   - missing: [ErrTaskNotFound].
func CancelTask(ctx context.Context, ex driver.Executor, id int64) (*TaskRow, error) {
	return changeTask(ctx, ex, id, taskChange{
		verb:    "cancel",
		kept:    map[asynqpg.TaskStatus]error{asynqpg.TaskStatusCancelled: nil, asynqpg.TaskStatusCompleted: ErrTaskAlreadyFinalized},
		applies: []asynqpg.TaskStatus{asynqpg.TaskStatusPending, asynqpg.TaskStatusFailed, asynqpg.TaskStatusRunning},
		run: func(ctx context.Context, tx driver.Tx, cur *TaskRow) (*TaskRow, error) {
			var notified *string
			return scanTask(tx.QueryRow(ctx, sqlCancelTask, id, cur.Status == asynqpg.TaskStatusRunning), &notified)
		},
	})
}

// RetryTask makes a failed or cancelled task id pending and ready now, with
// finalized_at cleared and at least one attempt left:
//   - pending: [ErrTaskAlreadyAvailable];
//   - running: [ErrTaskRunning];
//   - completed: [ErrTaskAlreadyFinalized];
//   - missing: [ErrTaskNotFound].
func RetryTask(ctx context.Context, ex driver.Executor, id int64) (*TaskRow, error) {
	return changeTask(ctx, ex, id, taskChange{
		verb: "retry",
		kept: map[asynqpg.TaskStatus]error{
			asynqpg.TaskStatusPending:   ErrTaskAlreadyAvailable,
			asynqpg.TaskStatusRunning:   ErrTaskRunning,
			asynqpg.TaskStatusCompleted: ErrTaskAlreadyFinalized,
		},
		applies: []asynqpg.TaskStatus{asynqpg.TaskStatusFailed, asynqpg.TaskStatusCancelled},
		run: func(ctx context.Context, tx driver.Tx, _ *TaskRow) (*TaskRow, error) {
			var notified *string
			return scanTask(tx.QueryRow(ctx, sqlRetryTask, id), &notified)
		},
	})
}

// DeleteTask deletes task id unless it is running ([ErrTaskRunning]) and
// returns the row as it was. A missing task is [ErrTaskNotFound].
func DeleteTask(ctx context.Context, ex driver.Executor, id int64) (*TaskRow, error) {
	return changeTask(ctx, ex, id, taskChange{
		verb: "delete",
		kept: map[asynqpg.TaskStatus]error{asynqpg.TaskStatusRunning: ErrTaskRunning},
		applies: []asynqpg.TaskStatus{asynqpg.TaskStatusPending, asynqpg.TaskStatusCompleted,
			asynqpg.TaskStatusFailed, asynqpg.TaskStatusCancelled},
		run: func(ctx context.Context, tx driver.Tx, _ *TaskRow) (*TaskRow, error) {
			return scanTask(tx.QueryRow(ctx, sqlDeleteTask, id))
		},
	})
}

// taskChange is a state change of one task, by the status of its locked
// row: a status in kept leaves the task as it is and returns it with that
// status's error (nil: none); a status in applies runs the change's
// statement; any other status is an error.
type taskChange struct {
	verb    string
	kept    map[asynqpg.TaskStatus]error
	applies []asynqpg.TaskStatus
	// run runs the statement on the locked row cur and returns the row as
	// the statement left it.
	run func(ctx context.Context, tx driver.Tx, cur *TaskRow) (*TaskRow, error)
}

// apply decides from the locked row cur and runs the statement when the
// change applies to its status.
func (c taskChange) apply(ctx context.Context, tx driver.Tx, cur *TaskRow) (*TaskRow, error) {
	if err, ok := c.kept[cur.Status]; ok {
		return cur, err
	}
	if !slices.Contains(c.applies, cur.Status) {
		return nil, fmt.Errorf("task %d has unknown status %q", cur.ID, cur.Status)
	}
	row, err := c.run(ctx, tx, cur)
	if err != nil {
		return nil, fmt.Errorf("%s task: %w", c.verb, err)
	}
	return row, nil
}

// changeTask locks task id in a transaction (a savepoint when ex is one),
// applies change to the locked row, and commits what it did. Two
// concurrent changes of one task are thus serialized: the second sees the
// row as the first left it. On an error nothing is changed; when change
// refuses the task for its state, it returns the locked row with its
// sentinel, and so does changeTask.
func changeTask(ctx context.Context, ex driver.Executor, id int64, change taskChange) (*TaskRow, error) {
	tx, err := ex.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	cur, err := scanTask(tx.QueryRow(ctx, sqlLockTask, id))
	if errors.Is(err, driver.ErrNoRows) {
		return nil, ErrTaskNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("lock task: %w", schemaError(err))
	}
	row, err := change.apply(ctx, tx, cur)
	if err != nil {
		// A refusal returns the task as it is (rolled back: unchanged).
		return row, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return row, nil
}

// ListOrder is a column tasks are listed by.
type ListOrder int

// Columns tasks can be listed by.
const (
	ListOrderID ListOrder = iota
	ListOrderCreatedAt
	ListOrderUpdatedAt
	ListOrderBlockedTill
	ListOrderPriority
)

// ListQuery selects a page of tasks. Empty filters do not filter.
type ListQuery struct {
	// IDs, Statuses and Types filter the tasks; within one filter any
	// value matches, and all filters apply.
	IDs      []int64
	Statuses []string
	Types    []string
	// CreatedAfter and CreatedBefore, when set, bound created_at
	// (inclusive).
	CreatedAfter, CreatedBefore *time.Time
	// HasToken, when set, keeps only the tasks that have (true) or lack
	// (false) an idempotency token.
	HasToken *bool
	// OrderBy is the sort column, ties broken by ID in the same direction.
	OrderBy ListOrder
	// Descending sorts from the largest value down.
	Descending bool
	// Limit is the page size, at least 1.
	Limit int
	// Offset is the number of matching tasks skipped, at least 0.
	Offset int
}

// ListTasks returns a page of the tasks matching q and the number of all
// matching tasks, ignoring limit and offset.
func ListTasks(ctx context.Context, ex driver.Executor, q ListQuery) ([]*TaskRow, int, error) {
	order, err := orderClause(q.OrderBy, q.Descending)
	if err != nil {
		return nil, 0, err
	}
	if q.Limit < 1 {
		return nil, 0, fmt.Errorf("list tasks: limit %d is not positive", q.Limit)
	}
	if q.Offset < 0 {
		return nil, 0, fmt.Errorf("list tasks: offset %d is negative", q.Offset)
	}
	// NULL arrays would filter out everything: send empty ones.
	ids, statuses, types := nonNil(q.IDs), nonNil(q.Statuses), nonNil(q.Types)
	filters := []any{ids, statuses, types, q.CreatedAfter, q.CreatedBefore, q.HasToken}
	var total int64
	tasks, err := queryAll(ctx, ex, "list tasks", func(rows driver.Rows) (*TaskRow, error) {
		return scanTask(rows, &total)
	}, sqlListTasksPrefix+order+` LIMIT $7 OFFSET $8`, append(filters, int64(q.Limit), int64(q.Offset))...)
	if err != nil {
		return nil, 0, err
	}
	if len(tasks) == 0 && q.Offset > 0 {
		// A page past the end carries no count: ask for it.
		if err := ex.QueryRow(ctx, sqlCountTasks, filters...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("count tasks: %w", err)
		}
	}
	return tasks, int(total), nil
}

// orderClause maps a sort column and direction to SQL through a fixed set,
// so nothing a caller passes reaches the statement text.
func orderClause(by ListOrder, desc bool) (string, error) {
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	var col string
	switch by {
	case ListOrderID:
		return "\nORDER BY id" + dir, nil
	case ListOrderCreatedAt:
		col = "created_at"
	case ListOrderUpdatedAt:
		col = "updated_at"
	case ListOrderBlockedTill:
		col = "blocked_till"
	case ListOrderPriority:
		col = "priority"
	default:
		return "", fmt.Errorf("list tasks: unknown order column %d", by)
	}
	return "\nORDER BY " + col + dir + ", id" + dir, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
