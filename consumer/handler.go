package consumer

import (
	"context"

	"github.com/yakser/asynqpg"
)

// TaskHandler processes tasks of one type.
type TaskHandler interface {
	// Handle runs one attempt at task. See the package documentation for
	// what its result does to the task.
	Handle(ctx context.Context, task *asynqpg.TaskInfo) error
}

// TaskHandlerFunc is an adapter to allow the use of ordinary functions as
// TaskHandler. Similar to http.HandlerFunc.
type TaskHandlerFunc func(ctx context.Context, task *asynqpg.TaskInfo) error

// Handle calls f(ctx, task).
func (f TaskHandlerFunc) Handle(ctx context.Context, task *asynqpg.TaskInfo) error {
	return f(ctx, task)
}

// MiddlewareFunc wraps a TaskHandler with additional behavior.
// Global middleware (Consumer.Use) wraps per-type middleware
// (WithMiddleware), which wraps the handler; within each group the first
// registered is the outermost (runs first on the way in, last on the way
// out).
type MiddlewareFunc func(TaskHandler) TaskHandler

// buildChain wraps handler with per-type middleware, then global
// middleware, so that the execution order is global[0], global[1], …,
// perType[0], perType[1], …, handler.
func buildChain(handler TaskHandler, global, perType []MiddlewareFunc) TaskHandler {
	wrapped := handler
	for i := len(perType) - 1; i >= 0; i-- {
		wrapped = perType[i](wrapped)
	}
	for i := len(global) - 1; i >= 0; i-- {
		wrapped = global[i](wrapped)
	}
	return wrapped
}
