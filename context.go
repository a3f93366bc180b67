package asynqpg

import "context"
import "time"

// taskMetadataKey is the unexported context key under which TaskMetadata is
// stored.
type taskMetadataKey struct{}

// TaskMetadata holds metadata about the task currently being processed.
// It is available inside handler contexts via GetTaskMetadata.
type TaskMetadata struct {
	// ID is the task's database ID.
	ID int64
	// RetryCount is the number of attempts already elapsed.
	RetryCount int
	// MaxRetry is the total max retry count.
	MaxRetry int
	// CreatedAt is the task creation time.
	CreatedAt time.Time
}

// WithTaskMetadata returns a new context with task metadata injected.
// Used internally by the consumer when invoking handlers.
// Can also be used in tests to create contexts for handler testing.
func WithTaskMetadata(ctx context.Context, meta TaskMetadata) context.Context {
	return context.WithValue(ctx, taskMetadataKey{}, meta)
}

// GetTaskMetadata extracts the task metadata from the context.
// Returns the metadata and true if present, or zero value and false
// otherwise.
func GetTaskMetadata(ctx context.Context) (TaskMetadata, bool) {
	if ctx == nil {
		return TaskMetadata{}, false
	}
	meta, ok := ctx.Value(taskMetadataKey{}).(TaskMetadata)
	return meta, ok
}

// GetTaskID extracts the task's database ID from the context.
// Returns (0, false) if the context does not contain task metadata.
func GetTaskID(ctx context.Context) (int64, bool) {
	meta, ok := GetTaskMetadata(ctx)
	return meta.ID, ok
}

// GetRetryCount extracts the number of attempts already elapsed from the
// context. Returns (0, false) if the context does not contain task metadata.
func GetRetryCount(ctx context.Context) (int, bool) {
	meta, ok := GetTaskMetadata(ctx)
	return meta.RetryCount, ok
}

// GetMaxRetry extracts the total max retry count from the context.
// Returns (0, false) if the context does not contain task metadata.
func GetMaxRetry(ctx context.Context) (int, bool) {
	meta, ok := GetTaskMetadata(ctx)
	return meta.MaxRetry, ok
}

// GetCreatedAt extracts the task creation time from the context.
// Returns (zero time, false) if the context does not contain task metadata.
func GetCreatedAt(ctx context.Context) (time.Time, bool) {
	meta, ok := GetTaskMetadata(ctx)
	return meta.CreatedAt, ok
}
