// Package client inspects and manages asynqpg tasks: get, list, cancel,
// retry and delete.
//
// Every method has a Tx variant that runs in the caller's transaction: a
// change it makes becomes visible when that transaction commits, and never
// if it rolls back. A state change locks the task's row and changes it in
// one transaction (a savepoint inside the caller's), so concurrent calls on
// one task are applied one after the other, each seeing the state the
// previous one left.
package client

import "context"
import "errors"
import "fmt"
import "log/slog"

import "go.opentelemetry.io/otel/trace"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/engine"
import "github.com/yakser/asynqpg/internal/observability"
import "github.com/yakser/asynqpg/internal/validate"

// Errors of the Client's methods, with the texts of the original asynqpg.
// They are returned as they are, not wrapped, so comparing them with ==
// works; an action refused for the task's state (cancel of a completed
// task, retry of a pending or running one, delete of a running one)
// returns the task's current TaskInfo together with its error.
var (
	// ErrTaskNotFound is returned when the requested task does not exist.
	ErrTaskNotFound = engine.ErrTaskNotFound
	// ErrTaskRunning is returned when an operation cannot be performed
	// because the task is currently being processed.
	ErrTaskRunning = engine.ErrTaskRunning
	// ErrTaskAlreadyFinalized is returned when an operation cannot be performed
	// because the task is already in a terminal state (completed).
	ErrTaskAlreadyFinalized = engine.ErrTaskAlreadyFinalized
	// ErrTaskAlreadyAvailable is returned when trying to retry a task
	// that is already in a pending state.
	ErrTaskAlreadyAvailable = engine.ErrTaskAlreadyAvailable
	// ErrInvalidListParams is returned by ListTasks for an order field,
	// sort order or state that is not one of the package's constants.
	ErrInvalidListParams = errors.New("invalid list parameters")

	errNilExecutor = errors.New("executor cannot be nil")
)

// refusals are the errors of an action refused for the task's state.
var refusals = []error{ErrTaskRunning, ErrTaskAlreadyFinalized, ErrTaskAlreadyAvailable}

// Config holds configuration for creating a new Client.
type Config struct {
	// Pool is the database the Client works on. Required.
	Pool asynqpg.Pool
	// Logger receives debug messages. If nil, slog.Default() is used.
	Logger *slog.Logger
	// TracerProvider for tracing. If nil, global OTel TracerProvider is used.
	TracerProvider trace.TracerProvider
}

// Client provides task management and inspection operations. It is
// separate from Producer (which creates tasks) and Consumer (which
// processes them). It is safe for concurrent use.
type Client struct {
	ex     driver.Executor
	logger *slog.Logger
	tracer trace.Tracer
}

// New creates a new Client with the given configuration.
func New(cfg Config) (*Client, error) {
	ex, err := engine.ResolvePool("client", cfg.Pool)
	if err != nil {
		return nil, err
	}
	c := &Client{ex: ex, logger: cfg.Logger, tracer: asynqpg.NewTracer(cfg.TracerProvider)}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	return c, nil
}

// GetTask returns the full information about a task.
func (c *Client) GetTask(ctx context.Context, id int64) (*TaskInfo, error) {
	return c.getTask(ctx, c.ex, nil, id)
}

// GetTaskTx returns the full information about a task using the provided
// executor.
func (c *Client) GetTaskTx(ctx context.Context, tx asynqpg.Querier, id int64) (*TaskInfo, error) {
	return c.getTask(ctx, nil, tx, id)
}

// CancelTask cancels a task by its ID.
//
// Behavior by current task status:
//   - pending: immediately set to cancelled with finalized_at = now()
//   - failed: immediately set to cancelled with finalized_at = now()
//   - running: set to cancelled; the consumer detects this and cancels the
//     handler's context
//   - cancelled: no-op, returns the existing task (idempotent)
//   - completed: returns ErrTaskAlreadyFinalized
//   - not found: returns ErrTaskNotFound
func (c *Client) CancelTask(ctx context.Context, id int64) (*TaskInfo, error) {
	return c.change(ctx, asynqpg.SpanCancelTask, "cancel", engine.CancelTask, c.ex, nil, id)
}

// CancelTaskTx cancels a task using the provided executor (transaction).
func (c *Client) CancelTaskTx(ctx context.Context, tx asynqpg.Querier, id int64) (*TaskInfo, error) {
	return c.change(ctx, asynqpg.SpanCancelTask, "cancel", engine.CancelTask, nil, tx, id)
}

// RetryTask moves a failed or cancelled task back to pending state.
//
// If the task has exhausted all attempts (attempts_left = 0), it is set to
// 1 to allow at least one more processing attempt.
//
// Behavior by current task status:
//   - failed: set to pending, clear finalized_at, ensure attempts_left >= 1
//   - cancelled: set to pending, clear finalized_at, ensure attempts_left >= 1
//   - pending: returns ErrTaskAlreadyAvailable
//   - running: returns ErrTaskRunning
//   - completed: returns ErrTaskAlreadyFinalized
//   - not found: returns ErrTaskNotFound
func (c *Client) RetryTask(ctx context.Context, id int64) (*TaskInfo, error) {
	return c.change(ctx, asynqpg.SpanRetryTask, "retry", engine.RetryTask, c.ex, nil, id)
}

// RetryTaskTx moves a failed or cancelled task back to pending state using
// the provided executor (transaction).
func (c *Client) RetryTaskTx(ctx context.Context, tx asynqpg.Querier, id int64) (*TaskInfo, error) {
	return c.change(ctx, asynqpg.SpanRetryTask, "retry", engine.RetryTask, nil, tx, id)
}

// DeleteTask deletes a task by its ID.
//
// Running tasks (status = running) cannot be deleted. All other states are
// deletable. The returned TaskInfo contains the task data as it was before
// deletion.
//
// Behavior by current task status:
//   - pending: deleted, returns the deleted task info
//   - failed: deleted, returns the deleted task info
//   - cancelled: deleted, returns the deleted task info
//   - completed: deleted, returns the deleted task info
//   - running: returns ErrTaskRunning (running tasks cannot be deleted)
//   - not found: returns ErrTaskNotFound
func (c *Client) DeleteTask(ctx context.Context, id int64) (*TaskInfo, error) {
	return c.change(ctx, asynqpg.SpanDeleteTask, "delete", engine.DeleteTask, c.ex, nil, id)
}

// DeleteTaskTx deletes a task using the provided executor (transaction).
func (c *Client) DeleteTaskTx(ctx context.Context, tx asynqpg.Querier, id int64) (*TaskInfo, error) {
	return c.change(ctx, asynqpg.SpanDeleteTask, "delete", engine.DeleteTask, nil, tx, id)
}

// executor returns ex, or resolves tx when ex is nil.
func executor(ex driver.Executor, tx asynqpg.Querier) (driver.Executor, error) {
	if ex != nil {
		return ex, nil
	}
	if validate.IsNil(tx) {
		return nil, errNilExecutor
	}
	ex, err := driver.Resolve(tx)
	if err != nil {
		return nil, fmt.Errorf("transaction: %w", err)
	}
	return ex, nil
}

func (c *Client) getTask(ctx context.Context, ex driver.Executor, tx asynqpg.Querier, id int64) (*TaskInfo, error) {
	if err := validate.Context(ctx); err != nil {
		return nil, err
	}
	ctx, tel := observability.StartClientAction(ctx, c.tracer, asynqpg.SpanGetTask, observability.AttrTaskID.Int64(id))
	row, err := runOn(ctx, ex, tx, id, engine.GetTask)
	if err != nil {
		err = actionError("get", err)
	}
	tel.End(observability.ClientEnd{Err: err, TaskType: taskType(row)})
	if err != nil {
		return nil, err
	}
	return newTaskInfo(row), nil
}

// runOn resolves the handle (ex, or tx when ex is nil) and runs op on task
// id with it.
func runOn(ctx context.Context, ex driver.Executor, tx asynqpg.Querier, id int64,
	op func(context.Context, driver.Executor, int64) (*engine.TaskRow, error),
) (*engine.TaskRow, error) {
	ex, err := executor(ex, tx)
	if err != nil {
		return nil, err
	}
	return op(ctx, ex, id)
}

// taskType is the type of row, or "" for none.
func taskType(row *engine.TaskRow) string {
	if row == nil {
		return ""
	}
	return row.Type
}

// actionError is the error of a failed action verb: a sentinel of the
// package as it is, anything else wrapped with what was done.
func actionError(verb string, err error) error {
	if errors.Is(err, ErrTaskNotFound) || errors.Is(err, errNilExecutor) {
		return err
	}
	for _, r := range refusals {
		if errors.Is(err, r) {
			return r
		}
	}
	return fmt.Errorf("%s task: %w", verb, err)
}

// change runs one of the engine's state changes on task id. A refused
// change returns the task as it is with its sentinel.
func (c *Client) change(ctx context.Context, spanName, verb string,
	op func(context.Context, driver.Executor, int64) (*engine.TaskRow, error),
	ex driver.Executor, tx asynqpg.Querier, id int64,
) (*TaskInfo, error) {
	if err := validate.Context(ctx); err != nil {
		return nil, err
	}
	ctx, tel := observability.StartClientAction(ctx, c.tracer, spanName, observability.AttrTaskID.Int64(id))
	row, err := c.apply(ctx, verb, op, ex, tx, id)
	if err != nil {
		err = actionError(verb, err)
	}
	tel.End(observability.ClientEnd{Err: err, TaskType: taskType(row)})
	if row == nil {
		return nil, err
	}
	return newTaskInfo(row), err
}

// apply resolves the handle (ex, or tx when ex is nil), runs op on task id
// with it, and logs what op did or why it refused.
func (c *Client) apply(ctx context.Context, verb string,
	op func(context.Context, driver.Executor, int64) (*engine.TaskRow, error),
	ex driver.Executor, tx asynqpg.Querier, id int64,
) (*engine.TaskRow, error) {
	ex, err := executor(ex, tx)
	if err != nil {
		return nil, err
	}
	row, err := op(ctx, ex, id)
	if err != nil {
		c.logger.DebugContext(ctx, "asynqpg: "+verb+" task refused", slog.Int64("task_id", id), slog.Any("error", err))
		return row, err
	}
	c.logger.DebugContext(ctx, "asynqpg: "+verb+" task", slog.Int64("task_id", id), slog.String("task_type", row.Type),
		slog.String("status", string(row.Status)))
	return row, nil
}
