package producer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/driver"
	"github.com/yakser/asynqpg/engine"
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
	return p.enqueue(ctx, querierOf(tx), task, opts)
}

// EnqueueMany inserts tasks on the Producer's Pool, all or none, and
// returns the IDs of the tasks it created in ascending order. Tasks whose
// type and idempotency token exist already, or repeat an earlier task of
// the batch, are skipped. A bad task rejects the whole batch, naming its
// index, before anything is written.
func (p *Producer) EnqueueMany(ctx context.Context, tasks []*asynqpg.Task) ([]int64, error) {
	return p.enqueueMany(ctx, nil, tasks)
}

// EnqueueManyTx is EnqueueMany through tx, the caller's transaction: the
// tasks exist exactly when tx commits.
func (p *Producer) EnqueueManyTx(ctx context.Context, tx asynqpg.Querier, tasks []*asynqpg.Task) ([]int64, error) {
	return p.enqueueMany(ctx, querierOf(tx), tasks)
}

// txHandle is the caller's transaction; a nil *txHandle means the Pool.
type txHandle struct{ q asynqpg.Querier }

func querierOf(tx asynqpg.Querier) *txHandle { return &txHandle{q: tx} }

// executor resolves the handle, or returns the Pool's Executor.
func (p *Producer) executor(tx *txHandle) (driver.Executor, error) {
	if tx == nil {
		return p.ex, nil
	}
	ex, err := driver.Resolve(tx.q)
	if err != nil {
		return nil, fmt.Errorf("producer: transaction: %w", err)
	}
	return ex, nil
}

func (p *Producer) enqueue(ctx context.Context, tx *txHandle, task *asynqpg.Task, opts []EnqueueOption) (id int64, err error) {
	task = applyOptions(task, opts)
	var attrs []attribute.KeyValue
	if task != nil {
		attrs = []attribute.KeyValue{asynqpg.AttrTaskType.String(task.Type)}
	}
	ctx, span := p.tracer.Start(ctx, asynqpg.SpanEnqueue,
		trace.WithSpanKind(trace.SpanKindProducer), trace.WithAttributes(attrs...))
	defer func() { endSpan(span, err) }()

	nt, err := p.toNewTask(task, -1)
	if err != nil {
		return 0, err
	}
	ex, err := p.executor(tx)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	id, inserted, err := engine.InsertTask(ctx, ex, nt)
	if err != nil {
		return 0, fmt.Errorf("producer: enqueue %q: %w", nt.Type, err)
	}
	p.metrics.EnqueueDuration.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(attrs...))
	span.SetAttributes(attribute.Int64("asynqpg.task_id", id))
	if !inserted {
		p.logger.DebugContext(ctx, "asynqpg: duplicate task not enqueued",
			slog.String("task_type", nt.Type), slog.Int64("task_id", id))
		return id, fmt.Errorf("producer: enqueue %q with idempotency token %q: existing task %d: %w",
			nt.Type, *nt.IdempotencyToken, id, ErrDuplicateTask)
	}
	p.metrics.TasksEnqueued.Add(ctx, 1, metric.WithAttributes(attrs...))
	return id, nil
}

func (p *Producer) enqueueMany(ctx context.Context, tx *txHandle, tasks []*asynqpg.Task) (ids []int64, err error) {
	ctx, span := p.tracer.Start(ctx, asynqpg.SpanEnqueueMany,
		trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(attribute.Int("asynqpg.batch_size", len(tasks))))
	defer func() { endSpan(span, err) }()

	batch := make([]engine.NewTask, len(tasks))
	for i, task := range tasks {
		if batch[i], err = p.toNewTask(task, i); err != nil {
			return nil, err
		}
	}
	ex, err := p.executor(tx)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	inserted, err := engine.InsertTasks(ctx, ex, batch)
	if err != nil {
		return nil, fmt.Errorf("producer: enqueue %d tasks: %w", len(tasks), err)
	}
	p.metrics.EnqueueDuration.Record(ctx, time.Since(start).Seconds())
	ids = make([]int64, len(inserted))
	perType := make(map[string]int64)
	for i, t := range inserted {
		ids[i] = t.ID
		perType[t.Type]++
	}
	for typ, n := range perType {
		p.metrics.TasksEnqueued.Add(ctx, n, metric.WithAttributes(asynqpg.AttrTaskType.String(typ)))
	}
	span.SetAttributes(attribute.Int("asynqpg.enqueued", len(ids)))
	if skipped := len(tasks) - len(ids); skipped > 0 {
		p.logger.DebugContext(ctx, "asynqpg: duplicate tasks not enqueued", "skipped", skipped)
	}
	return ids, nil
}

// endSpan records err on span, unless it only reports a duplicate, and
// ends it.
func endSpan(span trace.Span, err error) {
	switch {
	case err == nil:
	case errors.Is(err, ErrDuplicateTask):
		span.SetAttributes(attribute.Bool("asynqpg.duplicate", true))
	default:
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}
