package harness

import (
	"context"
	"fmt"
	"time"

	"github.com/yakser/asynqpg/driver"
	pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
	"github.com/yakser/asynqpg/internal/engine"
)

// limitLease is the lease the SQL-only loop claims with: the consumer's
// default handler timeout (30s) plus its lease margin (5s).
const limitLease = 35 * time.Second

// SQLLimit measures the SQL-only limit of draining: a backlog of tasks
// no-op tasks is inserted, then one connection loops the engine's claim
// statement for up to batch tasks and its outcome statement completing
// them, one transaction per batch, until nothing is left. No handler, no
// worker pool, no batching across claims: what the database can do with
// asynqpg's statements alone.
func (e Env) SQLLimit(ctx context.Context, tasks, batch int) (DrainResult, error) {
	res := DrainResult{Tasks: tasks, Workers: batch}
	err := e.withQueue(ctx, Asynqpg(DriverPgx), func(db *Database, q Queue) error {
		if err := insertBacklog(ctx, q, tasks); err != nil {
			return err
		}
		if err := db.Settle(ctx, "asynqpg_tasks"); err != nil {
			return err
		}
		pool, err := newPgxPool(ctx, db.URL, 1)
		if err != nil {
			return err
		}
		defer pool.Close()
		ex, err := driver.Resolve(pgxv5driver.New(pool))
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(ctx, e.Timeout)
		defer cancel()
		cpu := startCPU(ctx, db)
		start := time.Now()
		done, err := ClaimCompleteLoop(ctx, ex, batch)
		res.Elapsed = time.Since(start)
		res.CPU = cpu.stop(ctx)
		if err != nil {
			return fmt.Errorf("SQL-only loop (%d of %d done): %w", done, tasks, err)
		}
		if done != tasks {
			return fmt.Errorf("SQL-only loop completed %d tasks, want %d", done, tasks)
		}
		return nil
	})
	return res, err
}

// completed is the decision for a successful attempt.
var completed = engine.Decide(nil, 1, 0, 0, nil)

// ClaimCompleteLoop claims up to batch no-op tasks and completes them, in
// one transaction per batch on ex, until a claim finds nothing. It returns
// the number of tasks completed.
func ClaimCompleteLoop(ctx context.Context, ex driver.Executor, batch int) (int, error) {
	done := 0
	recs := make([]engine.OutcomeRecord, 0, batch)
	for {
		n, err := claimComplete(ctx, ex, batch, recs)
		done += n
		if err != nil || n == 0 {
			return done, err
		}
	}
}

// claimComplete runs one batch of ClaimCompleteLoop.
func claimComplete(ctx context.Context, ex driver.Executor, batch int, recs []engine.OutcomeRecord) (int, error) {
	tx, err := ex.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	claimed, err := engine.ClaimTasks(ctx, tx, TaskType, batch, limitLease)
	if err != nil {
		return 0, err
	}
	recs = recs[:0]
	for _, c := range claimed {
		recs = append(recs, engine.OutcomeRecord{Attempt: c.Attempt, Decision: completed})
	}
	written, err := engine.RecordOutcomes(ctx, tx, recs)
	if err != nil {
		return 0, err
	}
	if len(written) != len(recs) {
		return 0, fmt.Errorf("completed %d of %d claimed tasks", len(written), len(recs))
	}
	return len(claimed), tx.Commit(ctx)
}

// RetainFinalized returns a DrainCase.Prepare that fills the table of
// sys with n finalized (completed) tasks of the benchmark's type, with
// one INSERT ... SELECT from generate_series.
func RetainFinalized(sys System, n int) func(context.Context, *Database) error {
	var stmt string
	switch sys.Schema {
	case SchemaAsynqpg:
		stmt = fmt.Sprintf(`INSERT INTO asynqpg_tasks
			(type, payload, status, blocked_till, attempts_left, created_at, updated_at, finalized_at, attempted_at)
			SELECT '%s', '\x'::bytea, 'completed', now(), 3, now(), now(), now(), now()
			FROM generate_series(1, %d)`, TaskType, n)
	case SchemaRiver:
		stmt = fmt.Sprintf(`INSERT INTO river_job
			(args, kind, max_attempts, queue, state, attempt, attempted_at, created_at, scheduled_at, finalized_at)
			SELECT '{}'::jsonb, '%s', 25, 'default', 'completed', 1, now(), now(), now(), now()
			FROM generate_series(1, %d)`, TaskType, n)
	}
	return func(ctx context.Context, db *Database) error {
		if stmt == "" {
			return fmt.Errorf("retaining finalized rows: unknown schema of %s", sys.Name)
		}
		return db.Exec(ctx, stmt)
	}
}
