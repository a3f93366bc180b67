package client

import "context"
import "fmt"

import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/engine"
import "github.com/yakser/asynqpg/internal/validate"

// PauseTaskType pauses taskType on the database: within a second every
// consumer on it stops claiming tasks of the type, and a consumer started
// later claims none either, until ResumeTaskType. Tasks already running
// finish, and their outcomes are written; tasks of the type can still be
// enqueued, and wait, pending. Pausing a paused type is a no-op.
//
// The type is checked as the producer checks it: an empty type, one
// longer than producer.MaxTypeLength bytes, or one that is not valid
// UTF-8 without NUL bytes, is an error.
func (c *Client) PauseTaskType(ctx context.Context, taskType string) error {
	return c.setPaused(ctx, "pause", taskType, engine.PauseType, "asynqpg: task type paused")
}

// ResumeTaskType resumes a paused taskType: the consumers that serve it
// are woken at once and claim its tasks again. Resuming a type that is
// not paused is a no-op. The type is checked as PauseTaskType checks it.
func (c *Client) ResumeTaskType(ctx context.Context, taskType string) error {
	return c.setPaused(ctx, "resume", taskType, engine.ResumeType, "asynqpg: task type resumed")
}

// setPaused checks the arguments of PauseTaskType or ResumeTaskType (verb)
// and runs op, the engine's pause or resume, logging done when it did.
func (c *Client) setPaused(ctx context.Context, verb, taskType string,
	op func(context.Context, driver.Executor, string) error, done string,
) error {
	if err := checkPauseArgs(ctx, taskType); err != nil {
		return fmt.Errorf("%s task type: %w", verb, err)
	}
	if err := op(ctx, c.ex, taskType); err != nil {
		return err
	}
	c.logger.Debug(done, "task_type", taskType)
	return nil
}

// ListPausedTaskTypes returns the paused task types in byte order of
// their names (an empty slice when no type is paused).
func (c *Client) ListPausedTaskTypes(ctx context.Context) ([]string, error) {
	if err := validate.Context(ctx); err != nil {
		return nil, fmt.Errorf("list paused task types: %w", err)
	}
	return engine.PausedTypes(ctx, c.ex)
}

// checkPauseArgs checks the arguments of PauseTaskType and ResumeTaskType.
func checkPauseArgs(ctx context.Context, taskType string) error {
	if err := validate.Context(ctx); err != nil {
		return err
	}
	return validate.TaskType(taskType)
}
