package main

import "context"
import "errors"
import "fmt"
import "math"
import "slices"
import "strings"
import "time"

import "github.com/yakser/asynqpg/benchmarks/internal/harness"

// cycleCase says whether a drain case is one the ceiling figure reports,
// so that its drained rows are deleted and measured after it: asynqpg
// and River tuned at the drain table's worker counts.
func (r *runner) cycleCase(s drainSpec) bool {
	return r.cfg.figures["ceiling"] && s.retained == 0 && s.tasks == r.cfg.tasks &&
		slices.Contains(r.cfg.workers, s.workers) && (s.sys.Name == sysAsynqpg.Name || s.sys.Name == sysRiverTuned.Name)
}

// ceiling: the whole cycle of a task (claim, complete, delete) for
// asynqpg and River tuned, and the raw SQL loop on all connections.
func (r *runner) ceiling(ctx context.Context) error {
	var specs []drainSpec
	for _, w := range r.cfg.workers {
		for _, sys := range []harness.System{sysAsynqpg, sysRiverTuned} {
			specs = append(specs, drainSpec{sys: sys, workers: w, tasks: r.cfg.tasks})
		}
	}
	var errs []error
	if err := r.drainAll(ctx, specs); err != nil {
		if ctx.Err() != nil {
			return err
		}
		errs = append(errs, err)
	}
	if !r.cfg.systems[sysAsynqpg.ID] {
		return errors.Join(errs...)
	}
	for _, b := range r.cfg.ceilBatches {
		if err := r.rawCeiling(ctx, b); err != nil {
			if ctx.Err() != nil {
				return err
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// rawCeiling measures the set-based loop of raw SQL with claim batches of
// b, on every connection of the pool.
func (r *runner) rawCeiling(ctx context.Context, b int) error {
	res, err := rawLoop(r, fmt.Sprintf("raw SQL loop, batches of %d", b), func() (harness.DrainResult, error) {
		return r.env.RawLoop(ctx, r.cfg.tasks, b, r.cfg.poolConns)
	})
	if err != nil {
		return err
	}
	r.res.ceilings[b] = res
	logf("%-22s %-44s %10.0f tasks/s  (%v, CPU/task: process %.0fµs, database %.0fµs, other %.0fµs; index entries read/task %.1f)", "raw SQL loop",
		fmt.Sprintf("%d tasks, batches of %d, %d connections", res.Tasks, b, r.cfg.poolConns),
		res.Throughput(), res.Elapsed.Round(time.Millisecond), perTask(res.CPU.Process, res.Tasks),
		perTask(res.CPU.Database, res.Tasks), perTask(res.CPU.Foreign(), res.Tasks), float64(res.Table.IndexReads)/float64(res.Tasks))
	return nil
}

// bestCeiling is the raw SQL loop's best throughput, with its batch.
func (r *results) bestCeiling() (harness.DrainResult, int, bool) {
	var (
		best  harness.DrainResult
		batch int
	)
	for b, res := range r.ceilings {
		if batch == 0 || res.Throughput() > best.Throughput() {
			best, batch = res, b
		}
	}
	return best, batch, batch > 0
}

// ceilingTargets adds asynqpg's drain as a fraction of the raw SQL loop
// to the targets table.
func (r *results) ceilingTargets(t *table) {
	best, batch, ok := r.bestCeiling()
	if !ok {
		return
	}
	for _, w := range r.cfg.workers {
		a, okA := r.drain(sysAsynqpg, w, r.cfg.tasks, 0)
		if !okA {
			continue
		}
		t.add(fmt.Sprintf("drain vs the raw SQL ceiling, %d workers", w), rate(a.Throughput()),
			fmt.Sprintf("raw SQL loop, batches of %d on %d connections: %s", batch, r.cfg.poolConns, rate(best.Throughput())),
			times(a.Throughput()/best.Throughput()), "—", "")
	}
}

// cpuPerTask formats a CPU time per task in microseconds.
func cpuPerTask(d time.Duration, tasks int) string {
	if tasks <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f", perTask(d, tasks))
}

// ceilingTable renders the cycle of a task and the raw SQL ceiling.
func (r *results) ceilingTable(b *strings.Builder) {
	if !r.cfg.figures["ceiling"] {
		return
	}
	head := []string{"cycle", "tasks/s", "client CPU (µs/task)", "server CPU, claim + complete (µs/task)",
		"server CPU, delete (µs/task)", "server CPU, cycle (µs/task)", "statement time, cycle (µs/task)", "CPU-bound ceiling (tasks/s)"}
	t := table{head: head}
	add := func(label string, d harness.DrainResult, del harness.PhaseResult) {
		if !d.CPU.Measured {
			t.add(label, thousands(int(math.Round(d.Throughput()))), cpuPerTask(d.CPU.Process, d.Tasks), "—", "—", "—", "—", "—")
			return
		}
		server := d.CPU.Database + del.CPU.Database
		delCell, stmtCell := "—", "—"
		if del.Rows > 0 {
			delCell = cpuPerTask(del.CPU.Database, d.Tasks)
		}
		if d.CPU.StatementsMeasured {
			stmt := d.CPU.Statements.Time
			if del.CPU.StatementsMeasured {
				stmt += del.CPU.Statements.Time
			}
			stmtCell = cpuPerTask(stmt, d.Tasks)
		}
		perTaskAll := perTask(d.CPU.Process+server+del.CPU.Process, d.Tasks)
		ceiling := "—"
		if perTaskAll > 0 {
			ceiling = thousands(int(math.Round(float64(r.machine.cores) * 1e6 / perTaskAll)))
		}
		t.add(label, thousands(int(math.Round(d.Throughput()))), cpuPerTask(d.CPU.Process, d.Tasks),
			cpuPerTask(d.CPU.Database, d.Tasks), delCell, cpuPerTask(server, d.Tasks), stmtCell, ceiling)
	}
	for _, w := range r.cfg.workers {
		for _, sys := range []harness.System{sysAsynqpg, sysRiverTuned} {
			if d, ok := r.drain(sys, w, r.cfg.tasks, 0); ok {
				add(fmt.Sprintf("%s, %d workers", sys.Name, w), d, d.Delete)
			}
		}
	}
	batches := make([]int, 0, len(r.ceilings))
	for b := range r.ceilings {
		batches = append(batches, b)
	}
	slices.Sort(batches)
	for _, bt := range batches {
		add(fmt.Sprintf("raw SQL loop, batches of %d, %d connections", bt, r.cfg.poolConns), r.ceilings[bt], harness.PhaseResult{})
	}
	if len(t.rows) == 0 {
		return
	}
	source := "`pg_stat_statements` is not loaded on this server, so the statement time column is empty: the server's CPU is read from `/proc/<pid>/stat` of its processes."
	if r.machine.statements {
		source = "Statement time is `pg_stat_statements`' planning and execution time of the case's statements (CPU and waits on locks and reads, not commits); server CPU is read from `/proc/<pid>/stat` of its processes."
	}
	fmt.Fprintf(b, "\n## Ceiling\n\nThe cost of a task's whole cycle: claimed and completed while draining %s tasks, then deleted by a loop of the cleaner's statement (%s rows a statement) once the drain is over. Client CPU is the benchmark process (`getrusage`); server CPU the PostgreSQL processes working for the case's database. %s The CPU-bound ceiling is what the machine's %d cores would do if CPU were all a task cost: cores ÷ (client + server CPU per task). The raw SQL loop is the best a set-based loop reaches: each of %d connections loops one statement that claims up to a batch of ready tasks with `SKIP LOCKED` and completes them, with no Go work between; its rows are not deleted.\n\n",
		thousands(r.cfg.tasks), thousands(harness.DeleteBatch), source, r.machine.cores, r.cfg.poolConns)
	t.write(b)
}
