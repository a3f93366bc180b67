package main

import "context"
import "errors"
import "fmt"
import "os"
import "slices"
import "strings"
import "time"

import "github.com/yakser/asynqpg/benchmarks/internal/harness"

// scaleKey identifies a scale-out case.
type scaleKey struct {
	system    string
	processes int
}

// scaleSystems are the systems the scale-out figure compares.
var scaleSystems = []harness.System{sysAsynqpg, sysRiverTuned}

// scaleout: the first worker count split over each process count, for
// asynqpg and River tuned, side by side in every run.
func (r *runner) scaleout(ctx context.Context) error {
	w := r.cfg.workers[0]
	runs := map[scaleKey][]harness.ScaleOutResult{}
	failed := map[scaleKey]error{}
	for run := range r.cfg.runs {
		for _, p := range r.cfg.processes {
			for _, sys := range scaleSystems {
				k := scaleKey{sys.Name, p}
				if !r.cfg.systems[sys.ID] || failed[k] != nil {
					continue
				}
				res, err := undisturbed(r, fmt.Sprintf("%s, drain %d tasks, %d workers in %d processes", sys.Name, r.cfg.tasks, w, p),
					func() (harness.ScaleOutResult, harness.CPUUsage, error) {
						res, err := r.env.ScaleOut(ctx, harness.ScaleOutCase{System: sys, Tasks: r.cfg.tasks, Workers: w, Processes: p})
						return res, res.CPU, err
					})
				if err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					failed[k] = fmt.Errorf("%s, %d processes, run %d: %w", sys.Name, p, run+1, err)
					continue
				}
				runs[k] = append(runs[k], res)
			}
		}
	}
	var errs []error
	for _, p := range r.cfg.processes {
		for _, sys := range scaleSystems {
			k := scaleKey{sys.Name, p}
			if err := failed[k]; err != nil {
				errs = append(errs, err)
				continue
			}
			if len(runs[k]) == 0 {
				continue
			}
			res := r.res.setScale(k, runs[k])
			calls, rows := harness.Claims(res.SQL)
			logf("%-22s %-44s %10.0f tasks/s  (%v, CPU/task: processes %.0fµs, database %.0fµs; claims %d, %.1f rows each; index entries read/task %.1f)",
				sys.Name, fmt.Sprintf("drain %d tasks, %d workers in %d processes", res.Tasks, w, p), res.Throughput(),
				res.Elapsed.Round(time.Millisecond), perTask(res.CPU.Process, res.Tasks), perTask(res.CPU.Database, res.Tasks),
				calls, float64(rows)/float64(max(calls, 1)), float64(res.Table.IndexReads)/float64(res.Tasks))
			if r.cfg.sqlStats {
				fmt.Fprint(os.Stderr, harness.FormatSQLStats(res.SQL, res.Elapsed))
			}
		}
	}
	return errors.Join(errs...)
}

// setScale keeps the runs of a scale-out case and returns the median.
func (r *results) setScale(k scaleKey, runs []harness.ScaleOutResult) harness.ScaleOutResult {
	r.scaleRuns[k] = runs
	r.scaleouts[k] = medianRun(runs, func(s harness.ScaleOutResult) time.Duration { return s.Elapsed })
	return r.scaleouts[k]
}

// scaleRatio is the median over the runs of a case's throughput ÷ the
// same system's in one process in the same run, with each run's.
func (r *results) scaleRatio(sys harness.System, processes int) (float64, []float64, bool) {
	return runRatio(r.scaleRuns[scaleKey{sys.Name, processes}], r.scaleRuns[scaleKey{sys.Name, 1}])
}

// scaleTargets adds asynqpg's drain in the most processes ÷ one process.
func (r *results) scaleTargets(t *table) {
	most := slices.Max(r.cfg.processes)
	if most == 1 {
		return
	}
	ratio, each, ok := r.scaleRatio(sysAsynqpg, most)
	if !ok {
		return
	}
	a := r.scaleouts[scaleKey{sysAsynqpg.Name, most}]
	one := r.scaleouts[scaleKey{sysAsynqpg.Name, 1}]
	t.add(fmt.Sprintf("drain, %d workers split over %d processes", r.cfg.workers[0], most), rate(a.Throughput()),
		"one process "+rate(one.Throughput()), ratioCell(ratio, each), "≥ "+times(scaleTarget), verdict(ratio >= scaleTarget))
}

// scaleTable renders the scale-out figure.
func (r *results) scaleTable(b *strings.Builder) {
	t := table{head: []string{"system", "processes × workers", "tasks/s", "÷ one process", "claims per 1,000 tasks", "rows per claim",
		"index entries read per task", "consumers' CPU (µs/task)", "server CPU (µs/task)"}}
	w := r.cfg.workers[0]
	for _, sys := range scaleSystems {
		for _, p := range r.cfg.processes {
			k := scaleKey{sys.Name, p}
			res, ok := r.scaleouts[k]
			if !ok {
				continue
			}
			each := make([]float64, len(r.scaleRuns[k]))
			for i, run := range r.scaleRuns[k] {
				each[i] = run.Throughput()
			}
			ratio := "—"
			if m, e, ok := r.scaleRatio(sys, p); ok {
				ratio = ratioCell(m, e)
			}
			calls, rows := harness.Claims(res.SQL)
			perClaim := "—"
			if calls > 0 {
				perClaim = fmt.Sprintf("%.1f", float64(rows)/float64(calls))
			}
			server := "—"
			if res.CPU.Measured {
				server = cpuPerTask(res.CPU.Database, res.Tasks)
			}
			t.add(sys.Name, fmt.Sprintf("%d × %s", p, splitWorkers(w, p)), runsCell(res.Throughput(), each), ratio,
				fmt.Sprintf("%.1f", 1000*float64(calls)/float64(res.Tasks)), perClaim,
				fmt.Sprintf("%.1f", float64(res.Table.IndexReads)/float64(res.Tasks)),
				cpuPerTask(res.CPU.Process, res.Tasks), server)
		}
	}
	if len(t.rows) == 0 {
		return
	}
	fmt.Fprintf(b, "\n## Scale-out across processes\n\nThe same %d workers split over consumer OS processes on one database (the benchmark re-executing itself), each process with a pool of %d connections, draining %s tasks. The time runs from telling the connected processes to start until every task is completed. Claims and rows per claim are from the processes' pools (an asynqpg claim that also writes outcomes counts those rows too); index entries read are the server's statistics of the queue table's indexes (`pg_stat_user_indexes.idx_tup_read`): entries of rows other consumers hold, and of dead row versions, are read and passed over. %s\n\n",
		w, r.cfg.poolConns, thousands(r.cfg.tasks), r.runsNote())
	t.write(b)
}

// splitWorkers describes w workers split over p processes.
func splitWorkers(w, p int) string {
	if w%p == 0 {
		return fmt.Sprint(w / p)
	}
	return fmt.Sprintf("%d–%d", w/p, w/p+1)
}
