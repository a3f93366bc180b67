package consumer

import "fmt"

import "github.com/yakser/asynqpg/internal/validate"

// RegisterTaskHandler registers the handler of taskType, with its options.
// It must be called before Start (or after Stop). It returns
// ErrTaskHandlerAlreadyRegistered (as it is, not wrapped) for a type
// registered before, and an error for a call after Start, a type the
// producer would refuse (empty, longer than MaxTypeLength bytes, not valid
// UTF-8, or holding a NUL byte), a nil handler, and a non-positive worker
// count, timeout, max attempts or global concurrency.
func (c *Consumer) RegisterTaskHandler(taskType string, h TaskHandler, opts ...TaskTypeOption) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.active() {
		return errRegisterStarted
	}
	if _, ok := c.handlers[taskType]; ok {
		c.log.Debug("asynqpg: task handler already registered", "task_type", taskType)
		return ErrTaskHandlerAlreadyRegistered
	}
	o, err := c.typeOptions(taskType, h, opts)
	if err != nil {
		return fmt.Errorf("consumer: RegisterTaskHandler(%q): %w", taskType, err)
	}
	c.handlers[taskType] = &registration{handler: h, opts: o}
	return nil
}

// typeOptions validates a registration and returns its options, defaults
// filled in.
func (c *Consumer) typeOptions(taskType string, h TaskHandler, opts []TaskTypeOption) (TaskTypeOptions, error) {
	if err := validate.TaskType(taskType); err != nil {
		return TaskTypeOptions{}, err
	}
	if validate.IsNil(h) {
		return TaskTypeOptions{}, fmt.Errorf("nil handler")
	}
	o := TaskTypeOptions{
		WorkersCount: c.cfg.DefaultWorkersCount,
		MaxAttempts:  c.cfg.DefaultMaxAttempts,
		Timeout:      c.cfg.DefaultTimeout,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	switch {
	case o.WorkersCount <= 0:
		return o, fmt.Errorf("workers count is %d: must be positive", o.WorkersCount)
	case o.WorkersCount > MaxWorkersCount:
		return o, fmt.Errorf("workers count is %d: must be at most %d", o.WorkersCount, MaxWorkersCount)
	case o.maxAttemptsSet && o.MaxAttempts <= 0:
		return o, fmt.Errorf("max attempts is %d: must be positive", o.MaxAttempts)
	case o.globalConcurrencySet && o.GlobalConcurrency <= 0:
		return o, fmt.Errorf("global concurrency is %d: must be positive", o.GlobalConcurrency)
	}
	if err := validate.Positive("timeout", o.Timeout, MaxTimeout); err != nil {
		return o, err
	}
	o.Middleware = nonNilMiddleware(o.Middleware)
	return o, nil
}

// Use adds global middleware, which wraps the handlers of every task type
// (outside their per-type middleware); the first registered is the
// outermost. It must be called before Start (or after Stop). Nil middleware is ignored.
func (c *Consumer) Use(mws ...MiddlewareFunc) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.active() {
		return errMiddlewareStarted
	}
	c.global = append(c.global, nonNilMiddleware(mws)...)
	return nil
}

// nonNilMiddleware returns mws without its nil entries.
func nonNilMiddleware(mws []MiddlewareFunc) []MiddlewareFunc {
	out := make([]MiddlewareFunc, 0, len(mws))
	for _, mw := range mws {
		if !validate.IsNil(mw) {
			out = append(out, mw)
		}
	}
	return out
}
