package harness

import "context"
import "errors"
import "fmt"
import "sync"
import "time"

import "github.com/jackc/pgx/v5"

// rawClaimComplete is the set-based loop's statement: it claims up to $2
// ready tasks of type $1 with SKIP LOCKED, in the order of asynqpg's
// claim index, and completes them, in one statement and one commit. It
// is the least work a queue on asynqpg's table can do per task: no
// lease, no round trip between claiming and completing, no Go work.
const rawClaimComplete = `UPDATE asynqpg_tasks t SET
	status = 'completed', attempted_at = now(), finalized_at = now(), updated_at = now(),
	attempts_elapsed = t.attempts_elapsed + 1
WHERE t.ctid = ANY (ARRAY(
	SELECT ctid FROM asynqpg_tasks
	WHERE status = 'pending' AND type = $1 AND blocked_till <= now()
	ORDER BY (CASE WHEN status = 'pending' THEN priority ELSE 0 END) DESC, blocked_till, id
	LIMIT (SELECT $2::bigint)
	FOR NO KEY UPDATE SKIP LOCKED))`

// RawLoop measures the best a set-based loop of raw SQL reaches on this
// server: a backlog of tasks no-op tasks is inserted with asynqpg, then
// conns connections each loop rawClaimComplete for up to batch tasks
// until it finds none. What is measured is the server alone.
func (e Env) RawLoop(ctx context.Context, tasks, batch, conns int) (DrainResult, error) {
	res := DrainResult{Tasks: tasks, Workers: batch}
	err := e.withBacklog(ctx, tasks, func(db *Database, q Queue) error {
		q.Close() // its sessions would hold up WaitIdle
		ctx, cancel := context.WithTimeout(ctx, e.Timeout)
		defer cancel()
		before, err := db.TableStats(ctx, "asynqpg_tasks")
		if err != nil {
			return err
		}
		links := make([]*pgx.Conn, conns)
		defer func() {
			for _, c := range links {
				if c != nil {
					_ = c.Close(context.Background())
				}
			}
		}()
		for i := range links {
			c, err := pgx.Connect(ctx, db.URL)
			if err != nil {
				return fmt.Errorf("connect to %s: %w", db.Name, err)
			}
			links[i] = c
		}
		err = timeLoop(ctx, db, &res, "raw SQL loop", func() (int, error) {
			var (
				mu   sync.Mutex
				done int
				errs []error
				wg   sync.WaitGroup
			)
			for _, c := range links {
				wg.Go(func() {
					n, err := rawLoop(ctx, c, batch)
					mu.Lock()
					defer mu.Unlock()
					done += n
					if err != nil {
						errs = append(errs, err)
						cancel() // the others stop too
					}
				})
			}
			wg.Wait()
			return done, errors.Join(errs...)
		})
		if err != nil {
			return err
		}
		for i, c := range links {
			_ = c.Close(ctx)
			links[i] = nil
		}
		if err := db.WaitIdle(ctx); err != nil {
			return err
		}
		after, err := db.TableStats(ctx, "asynqpg_tasks")
		res.Table = after.Sub(before)
		return err
	})
	return res, err
}

// rawLoop runs rawClaimComplete on c until it completes nothing; it
// returns the tasks it completed. A loop that finds nothing stops: what
// is left is held by the other loops, which complete it.
func rawLoop(ctx context.Context, c *pgx.Conn, batch int) (int, error) {
	done := 0
	for {
		tag, err := c.Exec(ctx, rawClaimComplete, TaskType, batch)
		if err != nil {
			return done, err
		}
		n := int(tag.RowsAffected())
		done += n
		if n == 0 {
			return done, nil
		}
	}
}

// DeleteBatch is how many finalized rows one delete statement removes.
const DeleteBatch = 1000

// deleteStatements delete up to DeleteBatch finalized rows of a table,
// the way each system's cleaner does: asynqpg's by its index on
// (status, finalized_at), River's in ID order.
var deleteStatements = map[Schema]string{
	SchemaAsynqpg: fmt.Sprintf(`DELETE FROM asynqpg_tasks WHERE id IN (
	SELECT id FROM asynqpg_tasks WHERE status = 'completed' AND finalized_at < now()
	LIMIT %d FOR UPDATE SKIP LOCKED)`, DeleteBatch),
	SchemaRiver: fmt.Sprintf(`DELETE FROM river_job WHERE id IN (
	SELECT id FROM river_job WHERE state = 'completed' AND finalized_at < now()
	ORDER BY id LIMIT %d FOR UPDATE SKIP LOCKED)`, DeleteBatch),
}

// PhaseResult is the outcome of a phase of a case that the harness runs
// itself, outside the system under test, such as deleting the drained
// rows.
type PhaseResult struct {
	// Rows is the rows the phase handled.
	Rows    int
	Elapsed time.Duration
	CPU     CPUUsage
}

// deleteFinalized deletes every completed row of sys's table, in batches
// of DeleteBatch from one connection, and measures it: the last step of
// a task's cycle, which a cleaner does later in production.
func deleteFinalized(ctx context.Context, db *Database, sys System) (PhaseResult, error) {
	var res PhaseResult
	stmt, ok := deleteStatements[sys.Schema]
	if !ok {
		return res, fmt.Errorf("deleting finalized rows: unknown schema of %s", sys.Name)
	}
	err := db.query(ctx, func(c *pgx.Conn) error {
		cpu := startCPU(ctx, db)
		start := time.Now()
		for {
			tag, err := c.Exec(ctx, stmt)
			if err != nil {
				return fmt.Errorf("delete finalized rows (%d deleted): %w", res.Rows, err)
			}
			res.Rows += int(tag.RowsAffected())
			if tag.RowsAffected() == 0 {
				break
			}
		}
		res.Elapsed = time.Since(start)
		res.CPU = cpu.stop(ctx)
		return nil
	})
	return res, err
}
