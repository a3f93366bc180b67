package producer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/driver"
	"github.com/yakser/asynqpg/internal/engine"
	"github.com/yakser/asynqpg/internal/observability"
	"github.com/yakser/asynqpg/internal/validate"
)

// Enqueue inserts task on the Producer's Pool and returns its ID. When a
// task with the same type and idempotency token exists, it returns that
// task's ID and an error matching ErrDuplicateTask.
func (p *Producer) Enqueue(ctx context.Context, task *asynqpg.Task, opts ...EnqueueOption) (int64, error) {
	return p.enqueue(ctx, nil, task, opts)
}

// EnqueueTx inserts task through tx, the caller's transaction: the task
// exists exactly when tx commits. Results and errors are those of Enqueue.
func (p *Producer) EnqueueTx(ctx context.Context, tx asynqpg.Querier, task *asynqpg.Task, opts ...EnqueueOption) (int64, error) {
	if validate.IsNil(tx) {
		return 0, errNilExecutor
	}
	return p.enqueue(ctx, &txHandle{q: tx}, task, opts)
}

// EnqueueMany inserts tasks on the Producer's Pool, all or none, and
// returns the IDs of the tasks it created in ascending order. Tasks whose
// type and idempotency token exist already, or repeat an earlier task of
// the batch, are skipped. A bad task rejects the whole batch, naming its
// index, before anything is written. An empty batch returns nil, nil.
func (p *Producer) EnqueueMany(ctx context.Context, tasks []*asynqpg.Task) ([]int64, error) {
	if len(tasks) == 0 {
		return nil, nil
	}
	return p.enqueueMany(ctx, nil, tasks)
}

// EnqueueManyTx is EnqueueMany through tx, the caller's transaction: the
// tasks exist exactly when tx commits.
func (p *Producer) EnqueueManyTx(ctx context.Context, tx asynqpg.Querier, tasks []*asynqpg.Task) ([]int64, error) {
	if validate.IsNil(tx) {
		return nil, errNilExecutor
	}
	if len(tasks) == 0 {
		return nil, nil
	}
	return p.enqueueMany(ctx, &txHandle{q: tx}, tasks)
}

// txHandle is the caller's transaction given to a *Tx method; a nil
// *txHandle means the Producer's Pool.
type txHandle struct{ q asynqpg.Querier }

// executor resolves the handle, or returns the Pool's Executor.
func (p *Producer) executor(tx *txHandle) (driver.Executor, error) {
	if tx == nil {
		return p.ex, nil
	}
	ex, err := driver.Resolve(tx.q)
	if err != nil {
		return nil, fmt.Errorf("transaction: %w", err)
	}
	return ex, nil
}

func (p *Producer) enqueue(ctx context.Context, tx *txHandle, task *asynqpg.Task, opts []EnqueueOption) (id int64, err error) {
	if err := validate.Context(ctx); err != nil {
		return 0, err
	}
	nt, err := p.toNewTask(applyOptions(task, opts), -1)
	m := p.obs.Type(nt.Type) // no type when invalid
	ctx, span := m.StartEnqueue(ctx)
	errorType := ""
	defer func() { endSpan(span, err, errorType) }()
	if err != nil {
		return 0, err
	}
	ex, err := p.executor(tx)
	if err != nil {
		return 0, err
	}
	nt.TraceContext = observability.InjectTraceContext(ctx)
	start := time.Now()
	id, inserted, err := engine.InsertTask(ctx, ex, nt)
	if err != nil {
		m.Error(ctx, asynqpg.ErrorTypeDB)
		errorType = asynqpg.ErrorTypeDB
		return 0, fmt.Errorf("enqueue task: %w", err)
	}
	m.EnqueueDuration(ctx, time.Since(start))
	observability.Enqueued(span, id)
	if !inserted {
		p.logger.DebugContext(ctx, "asynqpg: duplicate task not enqueued",
			slog.Int64("task_id", id), slog.String("task_type", nt.Type))
		return id, duplicateError(nt, id)
	}
	m.Enqueued(ctx, 1)
	if p.logger.Enabled(ctx, slog.LevelDebug) {
		p.logger.DebugContext(ctx, "asynqpg: task enqueued", slog.Int64("task_id", id), slog.String("task_type", nt.Type))
	}
	return id, nil
}

func (p *Producer) enqueueMany(ctx context.Context, tx *txHandle, tasks []*asynqpg.Task) (ids []int64, err error) {
	if err := validate.Context(ctx); err != nil {
		return nil, err
	}
	batch := make([]engine.NewTask, len(tasks))
	for i, task := range tasks {
		if batch[i], err = p.toNewTask(task, i); err != nil {
			break
		}
	}
	m := p.obs.Type(commonType(batch, err)) // no type when mixed or invalid
	ctx, span := m.StartEnqueueMany(ctx, len(tasks))
	errorType := ""
	defer func() { endSpan(span, err, errorType) }()
	if err != nil {
		return nil, err
	}
	ex, err := p.executor(tx)
	if err != nil {
		return nil, err
	}
	if tc := observability.InjectTraceContext(ctx); tc != "" {
		for i := range batch {
			batch[i].TraceContext = tc
		}
	}
	start := time.Now()
	inserted, err := engine.InsertTasks(ctx, ex, batch)
	if err != nil {
		m.Error(ctx, asynqpg.ErrorTypeDB)
		errorType = asynqpg.ErrorTypeDB
		return nil, fmt.Errorf("batch insert tasks: %w", err)
	}
	m.EnqueueDuration(ctx, time.Since(start))
	ids = make([]int64, len(inserted))
	perType := make(map[string]int64)
	for i, t := range inserted {
		ids[i] = t.ID
		perType[t.Type]++
	}
	for typ, n := range perType {
		p.obs.Type(typ).Enqueued(ctx, n)
	}
	span.SetAttributes(attribute.Int("asynqpg.enqueued", len(ids)))
	if skipped := len(tasks) - len(ids); skipped > 0 {
		p.logger.DebugContext(ctx, "asynqpg: duplicate tasks not enqueued", "skipped", skipped)
	}
	return ids, nil
}

// commonType returns the type of every task of a valid batch, or "" when
// they are of several types, there are none, or invalid is not nil.
func commonType(batch []engine.NewTask, invalid error) string {
	if invalid != nil || len(batch) == 0 {
		return ""
	}
	for _, t := range batch[1:] {
		if t.Type != batch[0].Type {
			return ""
		}
	}
	return batch[0].Type
}

// endSpan records err on span, unless it only reports a duplicate, and
// ends it.
func endSpan(span trace.Span, err error, errorType string) {
	if errors.Is(err, ErrDuplicateTask) {
		span.SetAttributes(attribute.Bool("asynqpg.duplicate", true))
		err = nil
	}
	observability.EndSpan(span, err, errorType)
}
