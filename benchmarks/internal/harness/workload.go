package harness

import "context"
import "fmt"
import "io"
import "runtime/pprof"
import "sort"
import "strings"
import "sync"
import "sync/atomic"
import "time"

import "github.com/jackc/pgx/v5"

import "github.com/yakser/asynqpg/internal/startstop"

// InsertBatchSize is the batch size of every batch insert: the backlog of
// a drain and the batch insert figure.
const InsertBatchSize = 1000

// Env is what every workload needs: the server and the common options.
type Env struct {
	Server  *Server
	Options Options
	// Timeout bounds one timed phase (a drain, an insert run, a latency
	// run); a phase that takes longer reports an error with its progress.
	Timeout time.Duration
}

// withQueue creates a fresh database for sys, opens sys on it, runs fn,
// and closes and drops everything.
func (e Env) withQueue(ctx context.Context, sys System, fn func(*Database, Queue) error) (err error) {
	db, err := e.Server.NewDatabase(ctx, sys.Schema)
	if err != nil {
		return err
	}
	defer func() {
		if dropErr := db.Drop(context.Background()); err == nil && dropErr != nil {
			err = fmt.Errorf("drop database %s: %w", db.Name, dropErr)
		}
	}()
	for k, v := range sys.DatabaseSettings {
		stmt := fmt.Sprintf("ALTER DATABASE %s SET %s = %s", pgx.Identifier{db.Name}.Sanitize(),
			pgx.Identifier{k}.Sanitize(), quoteLiteral(v))
		if err := db.Exec(ctx, stmt); err != nil {
			return err
		}
	}
	opts := e.Options
	if sys.PoolConns > 0 {
		opts.PoolConns = sys.PoolConns
	}
	q, err := sys.Open(ctx, db.URL, opts)
	if err != nil {
		return fmt.Errorf("open %s: %w", sys.Name, err)
	}
	defer q.Close()
	return fn(db, q)
}

// quoteLiteral quotes s as an SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// insertBacklog inserts n tasks in batches of InsertBatchSize.
func insertBacklog(ctx context.Context, q Queue, n int) error {
	for done := 0; done < n; {
		size := min(InsertBatchSize, n-done)
		if err := q.InsertBatch(ctx, size); err != nil {
			return fmt.Errorf("insert backlog (%d of %d inserted): %w", done, n, err)
		}
		done += size
	}
	return nil
}

// DrainResult is the outcome of draining a backlog.
type DrainResult struct {
	// Tasks is the size of the backlog.
	Tasks int
	// Workers is the consumer's worker count.
	Workers int
	// Elapsed is the time from starting the consumer until every task was
	// completed in the database.
	Elapsed time.Duration
	// Heap is the Go heap while draining.
	Heap HeapStats
	// CPU is the CPU time spent while draining.
	CPU CPUUsage
	// SQL are the statements run while draining, when Options.SQLStats
	// is set.
	SQL []StatementStats
	// Delete is the deletion of the drained rows, when
	// DrainCase.DeleteAfter.
	Delete PhaseResult
	// Table is what the drain did to the queue table, from the server's
	// statistics; only where its sessions ended before they were read
	// (the raw SQL loop and the scale-out figure).
	Table TableStats
	// WAL is the bytes of WAL the server wrote while draining (0 when
	// not measured).
	WAL int64
}

// Throughput is the tasks completed per second.
func (r DrainResult) Throughput() float64 { return float64(r.Tasks) / r.Elapsed.Seconds() }

// WALPerTask is the bytes of WAL written per task (0 when not measured).
func (r DrainResult) WALPerTask() int64 {
	if r.Tasks == 0 {
		return 0
	}
	return r.WAL / int64(r.Tasks)
}

// DrainCase describes one drain.
type DrainCase struct {
	System  System
	Tasks   int
	Workers int
	// Prepare, when set, runs on the fresh database before the backlog is
	// inserted (used to fill the table with finalized rows).
	Prepare func(ctx context.Context, db *Database) error
	// CPUProfile, when set, receives a CPU profile of the timed phase
	// (the consumer draining, not the set-up).
	CPUProfile io.Writer
	// DeleteAfter: once drained and the consumer stopped, the completed
	// rows are deleted as a cleaner would, and that is measured too
	// (DrainResult.Delete).
	DeleteAfter bool
}

// Drain inserts a backlog of c.Tasks no-op tasks with the system's batch
// insert, then starts a consumer with c.Workers workers and measures the
// time until the database holds no task that is not completed.
func (e Env) Drain(ctx context.Context, c DrainCase) (DrainResult, error) {
	res := DrainResult{Tasks: c.Tasks, Workers: c.Workers}
	err := e.withQueue(ctx, c.System, func(db *Database, q Queue) error {
		if c.Prepare != nil {
			if err := c.Prepare(ctx, db); err != nil {
				return err
			}
		}
		if err := insertBacklog(ctx, q, c.Tasks); err != nil {
			return err
		}
		if err := db.Settle(ctx, c.System.Table); err != nil {
			return err
		}
		var (
			count   atomic.Int64
			target  = int64(c.Tasks)
			allRan  = make(chan struct{})
			ranOnce sync.Once
		)
		onTask := func() {
			if count.Add(1) >= target {
				ranOnce.Do(func() { close(allRan) })
			}
		}
		ctx, cancel := context.WithTimeout(ctx, e.Timeout)
		defer cancel()
		if e.Options.SQLStats != nil {
			e.Options.SQLStats.Take() // only the drain's statements
		}
		wal0, err := db.WALPosition(ctx)
		if err != nil {
			return fmt.Errorf("read the WAL position: %w", err)
		}
		heap := startHeapSampler()
		cpu := startCPU(ctx, db)
		if c.CPUProfile != nil {
			if err := pprof.StartCPUProfile(c.CPUProfile); err != nil {
				heap.stop()
				return fmt.Errorf("start CPU profile: %w", err)
			}
		}
		start := time.Now()
		err = q.Start(ctx, c.Workers, onTask)
		if err == nil {
			err = waitDrained(ctx, q, allRan)
		} else {
			err = fmt.Errorf("start consumer: %w", err)
		}
		res.Elapsed = time.Since(start)
		if c.CPUProfile != nil {
			pprof.StopCPUProfile()
		}
		res.CPU = cpu.stop(ctx)
		res.Heap = heap.stop()
		if err == nil {
			var wal1 int64
			if wal1, err = db.WALPosition(ctx); err != nil {
				err = fmt.Errorf("read the WAL position: %w", err)
			}
			res.WAL = wal1 - wal0
		}
		if e.Options.SQLStats != nil {
			res.SQL = e.Options.SQLStats.Take()
		}
		stopCtx, stopCancel := context.WithTimeout(context.Background(), time.Minute)
		defer stopCancel()
		stopErr := q.Stop(stopCtx)
		if err != nil {
			return fmt.Errorf("drain %d tasks with %d workers: %d handled after %v: %w",
				c.Tasks, c.Workers, count.Load(), res.Elapsed.Round(time.Millisecond), err)
		}
		if stopErr != nil {
			return fmt.Errorf("stop consumer: %w", stopErr)
		}
		if c.DeleteAfter {
			if res.Delete, err = deleteFinalized(ctx, db, c.System); err != nil {
				return err
			}
		}
		return nil
	})
	return res, err
}

// waitDrained waits until every handler ran (allRan), then until the
// database holds no task that is not completed: outcomes are written
// after the handler returns, so the last ones land a little later.
func waitDrained(ctx context.Context, q Queue, allRan <-chan struct{}) error {
	select {
	case <-allRan:
	case <-ctx.Done():
		return ctx.Err()
	}
	for {
		n, err := q.Remaining(ctx)
		if err != nil {
			return fmt.Errorf("count remaining tasks: %w", err)
		}
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d tasks not completed: %w", n, ctx.Err())
		case <-time.After(pollEvery):
		}
	}
}

// InsertResult is the outcome of a batch insert run.
type InsertResult struct {
	Tasks   int
	Elapsed time.Duration
	// CPU is the CPU time spent while inserting.
	CPU CPUUsage
}

// Throughput is the tasks inserted per second.
func (r InsertResult) Throughput() float64 { return float64(r.Tasks) / r.Elapsed.Seconds() }

// BatchInsert inserts tasks no-op tasks in batches of InsertBatchSize,
// one batch after the other from one goroutine, after one batch of
// warm-up that is not timed.
func (e Env) BatchInsert(ctx context.Context, sys System, tasks int) (InsertResult, error) {
	res := InsertResult{Tasks: tasks}
	err := e.withQueue(ctx, sys, func(db *Database, q Queue) error {
		if err := q.InsertBatch(ctx, InsertBatchSize); err != nil {
			return fmt.Errorf("warm-up batch: %w", err)
		}
		if err := db.Settle(ctx, sys.Table); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(ctx, e.Timeout)
		defer cancel()
		cpu := startCPU(ctx, db)
		start := time.Now()
		err := insertBacklog(ctx, q, tasks)
		res.Elapsed = time.Since(start)
		res.CPU = cpu.stop(ctx)
		return err
	})
	return res, err
}

// LatencyResult is the outcome of an idle latency run.
type LatencyResult struct {
	// Samples are the enqueue-to-handler latencies, sorted.
	Samples []time.Duration
	// CPU is the CPU time spent while sampling.
	CPU CPUUsage
}

// Percentile returns the p-th percentile (0 < p <= 100), nearest rank.
func (r LatencyResult) Percentile(p float64) time.Duration { return Percentile(r.Samples, p) }

// Percentile returns the p-th percentile (0 < p <= 100) of sorted
// samples by the nearest-rank method; 0 for no samples.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted)) + 0.999999999)
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}

// LatencyWorkers is the worker count of the consumer in the latency run.
const LatencyWorkers = 100

// IdleLatency starts an idle consumer, then inserts one task at a time
// with the system's single insert, samples times, waiting gap between
// one task's handler start and the next insert. A sample is the time from
// just before the insert call until the handler starts.
func (e Env) IdleLatency(ctx context.Context, sys System, samples int, gap time.Duration) (LatencyResult, error) {
	var res LatencyResult
	err := e.withQueue(ctx, sys, func(db *Database, q Queue) error {
		if err := db.Settle(ctx, sys.Table); err != nil {
			return err
		}
		started := make(chan time.Time, 1)
		onTask := func() {
			select {
			case started <- time.Now():
			default:
			}
		}
		ctx, cancel := context.WithTimeout(ctx, e.Timeout)
		defer cancel()
		if err := q.Start(ctx, LatencyWorkers, onTask); err != nil {
			return fmt.Errorf("start consumer: %w", err)
		}
		defer func() { _ = q.Stop(context.Background()) }()
		// Let the consumer settle into its idle state (first poll done,
		// listener connected, leader elected).
		if !startstop.Sleep(ctx, time.Second) {
			return ctx.Err()
		}
		res.Samples = make([]time.Duration, 0, samples)
		cpu := startCPU(ctx, db)
		for i := range samples {
			t0 := time.Now()
			if err := q.InsertOne(ctx); err != nil {
				return fmt.Errorf("insert sample %d: %w", i, err)
			}
			select {
			case t := <-started:
				res.Samples = append(res.Samples, t.Sub(t0))
			case <-ctx.Done():
				return fmt.Errorf("sample %d never reached its handler: %w", i, ctx.Err())
			}
			if !startstop.Sleep(ctx, gap) {
				return ctx.Err()
			}
		}
		res.CPU = cpu.stop(ctx)
		sort.Slice(res.Samples, func(i, j int) bool { return res.Samples[i] < res.Samples[j] })
		return nil
	})
	return res, err
}
