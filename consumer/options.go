package consumer

import "time"

// TaskTypeOptions configures the processing of one task type.
type TaskTypeOptions struct {
	// WorkersCount is how many tasks of the type run at once.
	// Default Config.DefaultWorkersCount.
	WorkersCount int
	// MaxAttempts, when positive, caps the attempts a task of the type is
	// given, whatever it was enqueued with: a failed attempt that brings
	// attempts_elapsed to MaxAttempts fails the task. 0 (the default,
	// unless Config.DefaultMaxAttempts is set) leaves each task the
	// attempts it was enqueued with.
	MaxAttempts int
	// Timeout bounds one attempt. Default Config.DefaultTimeout.
	Timeout time.Duration
	// Middleware wraps the type's handler, inside the global middleware.
	Middleware []MiddlewareFunc
	// GlobalConcurrency, when positive, caps the tasks of the type running
	// at once across every consumer on the database. 0 (the default): no
	// cap beyond each consumer's WorkersCount.
	GlobalConcurrency int

	maxAttemptsSet       bool // WithMaxAttempts was given
	globalConcurrencySet bool // WithGlobalConcurrency was given
}

// TaskTypeOption configures a task type at registration.
type TaskTypeOption func(*TaskTypeOptions)

// WithWorkersCount sets how many tasks of the type run at once. It must be
// positive.
func WithWorkersCount(n int) TaskTypeOption {
	return func(o *TaskTypeOptions) { o.WorkersCount = n }
}

// WithMaxAttempts caps the attempts a task of the type is given: a failed
// attempt that brings attempts_elapsed to n fails the task, even if it was
// enqueued with more. A task enqueued with fewer attempts keeps its own
// number. n must be positive.
func WithMaxAttempts(n int) TaskTypeOption {
	return func(o *TaskTypeOptions) {
		o.MaxAttempts = n
		o.maxAttemptsSet = true
	}
}

// WithTimeout sets how long one attempt of the type may run: the handler's
// context ends then, and an attempt still running has failed. It must be
// positive.
func WithTimeout(d time.Duration) TaskTypeOption {
	return func(o *TaskTypeOptions) { o.Timeout = d }
}

// WithMiddleware adds per-type middleware, applied inside the global
// middleware; the first given is the outermost.
func WithMiddleware(mws ...MiddlewareFunc) TaskTypeOption {
	return func(o *TaskTypeOptions) { o.Middleware = append(o.Middleware, mws...) }
}

// WithGlobalConcurrency caps the tasks of the type running at once across
// every consumer on the database at n, whatever each consumer's
// WithWorkersCount: a consumer claims a task of the type only while fewer
// than n run. A task whose consumer died holds its place until its lease
// (its timeout plus a margin) passes. n must be positive. Claims of a
// limited type take a lock of the type in the database (see
// docs/CONCURRENCY.md); other types are unaffected.
func WithGlobalConcurrency(n int) TaskTypeOption {
	return func(o *TaskTypeOptions) {
		o.GlobalConcurrency = n
		o.globalConcurrencySet = true
	}
}
