package harness

import "context"
import "fmt"
import "time"

import "github.com/yakser/asynqpg/driver"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
import "github.com/yakser/asynqpg/internal/engine"

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
	err := e.withBacklog(ctx, tasks, func(db *Database, _ Queue) error {
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
		return timeLoop(ctx, db, &res, "SQL-only loop", func() (int, error) {
			return ClaimCompleteLoop(ctx, ex, batch)
		})
	})
	return res, err
}

// withBacklog runs fn on a fresh database of asynqpg (through pgx)
// holding a settled backlog of tasks no-op tasks.
func (e Env) withBacklog(ctx context.Context, tasks int, fn func(db *Database, q Queue) error) error {
	return e.withQueue(ctx, Asynqpg(DriverPgx), func(db *Database, q Queue) error {
		if err := insertBacklog(ctx, q, tasks); err != nil {
			return err
		}
		if err := db.Settle(ctx, "asynqpg_tasks"); err != nil {
			return err
		}
		return fn(db, q)
	})
}

// timeLoop times loop, which drains the backlog of res and returns the
// tasks it completed, into res with the server's CPU use; what names the
// loop in errors, which a loop that did not complete every task is.
func timeLoop(ctx context.Context, db *Database, res *DrainResult, what string, loop func() (int, error)) error {
	cpu := startCPU(ctx, db)
	start := time.Now()
	done, err := loop()
	res.Elapsed = time.Since(start)
	res.CPU = cpu.stop(ctx)
	if err != nil {
		return fmt.Errorf("%s (%d of %d done): %w", what, done, res.Tasks, err)
	}
	if done != res.Tasks {
		return fmt.Errorf("%s completed %d tasks, want %d", what, done, res.Tasks)
	}
	return nil
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
