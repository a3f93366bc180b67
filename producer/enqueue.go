package producer

import "context"
import "fmt"
import "log/slog"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/engine"
import "github.com/yakser/asynqpg/internal/observability"
import "github.com/yakser/asynqpg/internal/validate"

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

func (p *Producer) enqueue(ctx context.Context, tx *txHandle, task *asynqpg.Task, opts []EnqueueOption) (int64, error) {
	if err := validate.Context(ctx); err != nil {
		return 0, err
	}
	nt, err := p.toNewTask(applyOptions(task, opts), -1)
	ctx, tel := p.obs.StartEnqueue(ctx, nt.Type) // no type when invalid
	end := observability.EnqueueEnd{Err: err}
	if err == nil {
		nt.TraceContext = tel.TraceContext()
		end = p.insert(ctx, tx, nt)
	}
	tel.End(ctx, end)
	switch {
	case end.Err != nil:
		return 0, end.Err
	case end.Duplicate:
		p.logger.DebugContext(ctx, "asynqpg: duplicate task not enqueued",
			slog.Int64("task_id", end.ID), slog.String("task_type", nt.Type))
		return end.ID, duplicateError(nt, end.ID)
	}
	if p.logger.Enabled(ctx, slog.LevelDebug) {
		p.logger.DebugContext(ctx, "asynqpg: task enqueued", slog.Int64("task_id", end.ID), slog.String("task_type", nt.Type))
	}
	return end.ID, nil
}

// insert resolves the handle and inserts nt.
func (p *Producer) insert(ctx context.Context, tx *txHandle, nt engine.NewTask) observability.EnqueueEnd {
	ex, err := p.executor(tx)
	if err != nil {
		return observability.EnqueueEnd{Err: err}
	}
	start := time.Now()
	id, inserted, err := engine.InsertTask(ctx, ex, nt)
	if err != nil {
		return observability.EnqueueEnd{Err: fmt.Errorf("enqueue task: %w", err), DBError: true}
	}
	return observability.EnqueueEnd{Took: time.Since(start), ID: id, Duplicate: !inserted}
}

func (p *Producer) enqueueMany(ctx context.Context, tx *txHandle, tasks []*asynqpg.Task) ([]int64, error) {
	if err := validate.Context(ctx); err != nil {
		return nil, err
	}
	batch, err := p.toNewTasks(tasks)
	ctx, tel := p.obs.StartEnqueueMany(ctx, commonType(batch, err), len(tasks)) // no type when mixed or invalid
	end := observability.EnqueueEnd{Err: err}
	var inserted []engine.InsertedTask
	if err == nil {
		if tc := tel.TraceContext(); tc != "" {
			for i := range batch {
				batch[i].TraceContext = tc
			}
		}
		inserted, end = p.insertMany(ctx, tx, batch)
	}
	tel.End(ctx, end)
	if end.Err != nil {
		return nil, end.Err
	}
	ids := make([]int64, len(inserted))
	for i, t := range inserted {
		ids[i] = t.ID
	}
	if skipped := len(tasks) - len(ids); skipped > 0 {
		p.logger.DebugContext(ctx, "asynqpg: duplicate tasks not enqueued", "skipped", skipped)
	}
	return ids, nil
}

// toNewTasks validates every task of a batch, up to the first invalid one.
func (p *Producer) toNewTasks(tasks []*asynqpg.Task) ([]engine.NewTask, error) {
	batch := make([]engine.NewTask, len(tasks))
	for i, task := range tasks {
		var err error
		if batch[i], err = p.toNewTask(task, i); err != nil {
			return batch, err
		}
	}
	return batch, nil
}

// insertMany resolves the handle and inserts batch.
func (p *Producer) insertMany(ctx context.Context, tx *txHandle, batch []engine.NewTask) ([]engine.InsertedTask, observability.EnqueueEnd) {
	ex, err := p.executor(tx)
	if err != nil {
		return nil, observability.EnqueueEnd{Err: err}
	}
	start := time.Now()
	inserted, err := engine.InsertTasks(ctx, ex, batch)
	if err != nil {
		return nil, observability.EnqueueEnd{Err: fmt.Errorf("batch insert tasks: %w", err), DBError: true}
	}
	return inserted, observability.EnqueueEnd{Took: time.Since(start), Created: func(yield func(string) bool) {
		for _, t := range inserted {
			if !yield(t.Type) {
				return
			}
		}
	}}
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
