package main

import "fmt"
import "math"
import "strings"
import "time"

import "github.com/yakser/asynqpg/benchmarks/internal/harness"

func (r *results) drainTable(b *strings.Builder) {
	n := r.cfg.tasks
	t := table{head: []string{"workers", sysAsynqpg.Name, sysRiverTuned.Name, sysRiverDefault.Name, "asynqpg ÷ River tuned"}}
	for _, w := range r.workerAxis() {
		_, okA := r.drain(sysAsynqpg, w, n, 0)
		_, okT := r.drain(sysRiverTuned, w, n, 0)
		_, okD := r.drain(sysRiverDefault, w, n, 0)
		if !okA && !okT && !okD {
			continue
		}
		ratio := "—"
		if m, each, ok := r.drainRatio(drainKey{sysAsynqpg.Name, w, n, 0}, drainKey{sysRiverTuned.Name, w, n, 0}); ok {
			ratio = ratioCell(m, each)
		}
		t.add(strconvItoa(w), r.drainCell(sysAsynqpg, w, n, 0), r.drainCell(sysRiverTuned, w, n, 0),
			r.drainCell(sysRiverDefault, w, n, 0), ratio)
	}
	if len(t.rows) == 0 {
		return
	}
	fmt.Fprintf(b, "\n## Drain throughput\n\nTasks per second draining a backlog of %s no-op tasks (time from starting the consumer until every task is completed in the database). %s\n\n", thousands(n), r.runsNote())
	t.write(b)
}

func (r *results) cpuTable(b *strings.Builder) {
	n := r.cfg.tasks
	t := table{head: []string{"system", "workers", "tasks/s", "client (µs/task)", "PostgreSQL (µs/task)", "rest of the machine (µs/task)", "machine busy", "WAL (bytes/task)"}}
	add := func(name string, w int, d harness.DrainResult) {
		if d.CPU.Machine == 0 {
			return
		}
		per := func(c time.Duration) string {
			return fmt.Sprintf("%.0f", float64(c)/float64(time.Microsecond)/float64(d.Tasks))
		}
		dbCPU, rest := "—", "—"
		if d.CPU.Measured {
			dbCPU, rest = per(d.CPU.Database), per(d.CPU.Foreign())
		}
		busy := float64(d.CPU.Machine) / float64(d.CPU.Elapsed) / float64(r.machine.cores) * 100
		wal := "—"
		if d.WAL > 0 {
			wal = thousands(int(d.WALPerTask()))
		}
		t.add(name, strconvItoa(w), thousands(int(math.Round(d.Throughput()))), per(d.CPU.Process), dbCPU, rest,
			fmt.Sprintf("%.0f%%", busy), wal)
	}
	for _, w := range r.cfg.workers {
		for _, sys := range []harness.System{sysAsynqpg, sysRiverTuned, sysRiverDefault} {
			if d, ok := r.drain(sys, w, n, 0); ok {
				add(sys.Name, w, d)
			}
		}
		if l, ok := r.limits[w]; ok {
			add("SQL-only limit", w, l)
		}
	}
	if len(t.rows) == 0 {
		return
	}
	b.WriteString("\n## Where the CPU goes\n\nCPU time per task while draining. The client is the benchmark process, where the queue's consumer runs (claiming, dispatching, completing; the harness itself does nearly nothing); PostgreSQL is the server processes working for the case's database (its backends and autovacuum workers, and the server's WAL writer, checkpointer and background writer); the rest is other work on the machine. Machine busy is the share of all cores in use. With client and server on the same cores, what one side saves the other can use. WAL is what the server wrote to its write-ahead log meanwhile (`pg_current_wal_insert_lsn()` before and after), per task: the row versions, index entries, row locks and commits each task costs, and the full-page images of pages first changed after the checkpoint that precedes every drain; unlike time, it hardly moves from one run to the next.\n\n")
	t.write(b)
}

// drainCell shows the median throughput of a drain case, and each run's
// when there were several; "—" when it did not run.
func (r *results) drainCell(sys harness.System, workers, tasks, retained int) string {
	runs := r.drainRuns[drainKey{system: sys.Name, workers: workers, tasks: tasks, retained: retained}]
	if len(runs) == 0 {
		return "—"
	}
	each := make([]float64, len(runs))
	for i, d := range runs {
		each[i] = d.Throughput()
	}
	med, _ := r.drain(sys, workers, tasks, retained)
	return runsCell(med.Throughput(), each)
}

// runsNote says how the cells of a table of several runs read.
func (r *results) runsNote() string {
	if r.cfg.runs < 2 {
		return ""
	}
	return fmt.Sprintf("Each cell is the median of %d runs, then every run in the order they ran (the systems alternate within a run); a ratio is the median of the ratios within each run.", r.cfg.runs)
}

func (r *results) driverTable(b *strings.Builder) {
	n, w := r.cfg.tasks, r.cfg.workers[0]
	base, okBase := r.drain(sysAsynqpg, w, n, 0)
	baseIns, okBaseIns := r.inserts[sysAsynqpg.Name]
	t := table{head: []string{"driver", fmt.Sprintf("drain, %d workers (tasks/s)", w), "÷ pgx", "batch insert (tasks/s)", "÷ pgx"}}
	for _, d := range []struct {
		name string
		sys  harness.System
	}{
		{"pgxv5driver on *pgxpool.Pool", sysAsynqpg},
		{"sqlxdriver on *sqlx.DB (pgx stdlib)", sysAsynqpgSqlx},
		{"bundriver on *bun.DB (pgx stdlib)", sysAsynqpgBun},
	} {
		dr, okD := r.drain(d.sys, w, n, 0)
		ins, okI := r.inserts[d.sys.Name]
		if !okD && !okI {
			continue
		}
		row := []string{d.name, r.drainCell(d.sys, w, n, 0), "—", "—", "—"}
		if okD && okBase {
			row[2] = times(dr.Throughput() / base.Throughput())
		}
		if okI {
			row[3] = thousands(int(math.Round(ins.Throughput())))
			if okBaseIns {
				row[4] = times(ins.Throughput() / baseIns.Throughput())
			}
		}
		t.add(row...)
	}
	if len(t.rows) < 2 {
		return
	}
	b.WriteString("\n## What a driver costs\n\nasynqpg with the same default settings through each adapter, all on pgx underneath.\n\n")
	t.write(b)
}

func (r *results) insertTable(b *strings.Builder) {
	t := table{head: []string{"system", "tasks/s", "asynqpg ÷ this"}}
	for _, s := range []struct{ label, name string }{
		{"asynqpg EnqueueMany (pgx)", sysAsynqpg.Name},
		{"asynqpg EnqueueMany (sqlx)", sysAsynqpgSqlx.Name},
		{"asynqpg EnqueueMany (bun)", sysAsynqpgBun.Name},
		{"River InsertMany", sysRiverTuned.Name},
		{"River InsertManyFast (COPY, returns no rows)", sysRiverFast.Name},
	} {
		res, ok := r.inserts[s.name]
		if !ok {
			continue
		}
		ratio := "—"
		if m, each, ok := r.insertRatio(sysAsynqpg.Name, s.name); ok {
			ratio = ratioCell(m, each)
		}
		each := make([]float64, len(r.insertRun[s.name]))
		for i, run := range r.insertRun[s.name] {
			each[i] = run.Throughput()
		}
		t.add(s.label, runsCell(res.Throughput(), each), ratio)
	}
	if len(t.rows) == 0 {
		return
	}
	fmt.Fprintf(b, "\n## Batch insert\n\n%s no-op tasks in batches of %s, one batch after the other, one goroutine (one warm-up batch not timed). %s\n\n",
		thousands(r.cfg.tasks), thousands(harness.InsertBatchSize), r.runsNote())
	t.write(b)
}

func (r *results) latencyTable(b *strings.Builder) {
	t := table{head: []string{"system", "p50", "p90", "p99", "max", "samples"}}
	for _, sys := range []harness.System{sysAsynqpg, sysRiverTuned, sysRiverDefault} {
		res, ok := r.latencies[sys.Name]
		if !ok {
			continue
		}
		t.add(sys.Name, millis(res.Percentile(50)), millis(res.Percentile(90)), millis(res.Percentile(99)),
			millis(res.Percentile(100)), strconvItoa(len(res.Samples)))
	}
	if len(t.rows) == 0 {
		return
	}
	fmt.Fprintf(b, "\n## Idle latency\n\nAn idle consumer with %d workers; one task inserted at a time with the single insert, %v apart; a sample is the time from the insert call until the handler starts.\n\n",
		harness.LatencyWorkers, r.cfg.gap)
	t.write(b)
}

func (r *results) limitTable(b *strings.Builder) {
	t := table{head: []string{"claim batch", "SQL-only limit (tasks/s)", "asynqpg drain, as many workers (tasks/s)", "drain ÷ limit"}}
	for _, w := range r.cfg.workers {
		l, ok := r.limits[w]
		if !ok {
			continue
		}
		a, okA := r.drain(sysAsynqpg, w, r.cfg.tasks, 0)
		ratio := "—"
		if okA {
			ratio = times(a.Throughput() / l.Throughput())
		}
		t.add(strconvItoa(w), thousands(int(math.Round(l.Throughput()))), r.drainCell(sysAsynqpg, w, r.cfg.tasks, 0), ratio)
	}
	if len(t.rows) == 0 {
		return
	}
	b.WriteString("\n## SQL-only limit\n\nOne connection loops asynqpg's claim statement and its outcome statement completing what was claimed, one transaction per batch, until the backlog is gone: no handlers, no worker pool.\n\n")
	t.write(b)
}

func (r *results) retainedTable(b *strings.Builder) {
	if r.cfg.retained == 0 {
		return
	}
	w, n := r.cfg.workers[0], r.cfg.tasks
	t := table{head: []string{"system", "empty table (tasks/s)", fmt.Sprintf("%s finalized retained (tasks/s)", thousands(r.cfg.retained)), "ratio"}}
	for _, sys := range []harness.System{sysAsynqpg, sysRiverTuned} {
		e, okE := r.drain(sys, w, n, 0)
		k, okK := r.drain(sys, w, n, r.cfg.retained)
		if !okK {
			continue
		}
		ratio := "—"
		if okE {
			ratio = times(k.Throughput() / e.Throughput())
		}
		t.add(sys.Name, r.drainCell(sys, w, n, 0), r.drainCell(sys, w, n, r.cfg.retained), ratio)
	}
	if len(t.rows) == 0 {
		return
	}
	fmt.Fprintf(b, "\n## Finalized rows retained\n\nDraining %s tasks with %d workers from a table that also holds %s completed tasks of the same type.\n\n",
		thousands(n), w, thousands(r.cfg.retained))
	t.write(b)
}

func (r *results) memoryTable(b *strings.Builder) {
	w := r.cfg.workers[0]
	t := table{head: []string{"system", "backlog", "heap before start", "peak heap while draining", "samples"}}
	for _, sys := range []harness.System{sysAsynqpg, sysRiverTuned} {
		for _, n := range []int{r.cfg.tasks / 10, r.cfg.tasks} {
			d, ok := r.drain(sys, w, n, 0)
			if !ok {
				continue
			}
			t.add(sys.Name, thousands(n), mib(d.Heap.Baseline), mib(d.Heap.Max), strconvItoa(d.Heap.Samples))
		}
	}
	if len(t.rows) == 0 || !r.cfg.figures["memory"] {
		return
	}
	fmt.Fprintf(b, "\n## Memory\n\nGo heap in use (runtime.MemStats.HeapInuse, sampled every 10ms) while the consumer with %d workers drains; the benchmark process holds nothing else of size.\n\n", w)
	t.write(b)
}

func (r *results) settingsTable(b *strings.Builder) {
	if !r.cfg.figures["settings"] {
		return
	}
	w, n := r.cfg.workers[0], r.cfg.tasks
	variants := settingVariants(r.cfg.poolConns)
	base, okBase := r.drain(variants[0].sys, w, n, 0)
	t := table{head: []string{"setting", "tasks/s", "÷ defaults", "CPU of the benchmark process (µs/task)"}}
	for _, v := range variants {
		d, ok := r.drain(v.sys, w, n, 0)
		if !ok {
			continue
		}
		ratio := "—"
		if okBase {
			ratio = times(d.Throughput() / base.Throughput())
		}
		t.add(v.setting, thousands(int(math.Round(d.Throughput()))), ratio, fmt.Sprintf("%.0f", perTask(d.CPU.Process, d.Tasks)))
	}
	if len(t.rows) < 2 {
		return
	}
	fmt.Fprintf(b, "\n## Settings\n\nasynqpg's drain of %s tasks with %d workers, one setting changed from the defaults at a time.\n\n", thousands(n), w)
	t.write(b)
}
