package main

import "fmt"
import "math"
import "slices"
import "strings"
import "time"

import "github.com/yakser/asynqpg/benchmarks/internal/harness"

// drainTargets are the performance targets for asynqpg's drain throughput
// against River tuned, by worker count.
var drainTargets = map[int]float64{100: 3, 1000: 2.5}

// Other targets.
const (
	insertTarget   = 2.5 // asynqpg EnqueueMany ÷ River InsertMany
	scaleTarget    = 0.9 // asynqpg's drain split over the most processes ÷ one process
	latencyTarget  = 1.0 // asynqpg ÷ River tuned, at most
	limitTarget    = 0.6 // asynqpg drain ÷ SQL-only limit
	retainedTarget = 0.9 // drain with finalized rows retained ÷ drain on an empty table
	memoryTarget   = 1.5 // peak heap draining the backlog ÷ draining a tenth of it, at most
)

// results holds everything measured in one run.
type results struct {
	cfg       config
	machine   machine
	elapsed   time.Duration
	drains    map[drainKey]harness.DrainResult // the median run
	drainRuns map[drainKey][]harness.DrainResult
	inserts   map[string]harness.InsertResult // the median run
	insertRun map[string][]harness.InsertResult
	ceilings  map[int]harness.DrainResult         // the raw SQL loop by claim batch
	cleanups  map[string]harness.DrainResult      // deleting the drained rows, by system
	scaleouts map[scaleKey]harness.ScaleOutResult // the median run
	scaleRuns map[scaleKey][]harness.ScaleOutResult
	latencies map[string]harness.LatencyResult
	limits    map[int]harness.DrainResult
	// notes are warnings about the run, such as measurements disturbed by
	// other work on the machine.
	notes []string
}

func newResults(cfg config) *results {
	return &results{
		cfg:       cfg,
		drains:    map[drainKey]harness.DrainResult{},
		drainRuns: map[drainKey][]harness.DrainResult{},
		inserts:   map[string]harness.InsertResult{},
		insertRun: map[string][]harness.InsertResult{},
		ceilings:  map[int]harness.DrainResult{},
		cleanups:  map[string]harness.DrainResult{},
		scaleouts: map[scaleKey]harness.ScaleOutResult{},
		scaleRuns: map[scaleKey][]harness.ScaleOutResult{},
		latencies: map[string]harness.LatencyResult{},
		limits:    map[int]harness.DrainResult{},
	}
}

func (r *results) drain(sys harness.System, workers, tasks, retained int) (harness.DrainResult, bool) {
	res, ok := r.drains[drainKey{system: sys.Name, workers: workers, tasks: tasks, retained: retained}]
	return res, ok
}

// setDrain keeps the runs of a drain case, in the order they ran, and
// returns the median (by throughput; of an even count, the upper one, as
// medianOf), which the tables use.
func (r *results) setDrain(k drainKey, runs []harness.DrainResult) harness.DrainResult {
	r.drainRuns[k] = runs
	r.drains[k] = medianRun(runs, func(d harness.DrainResult) time.Duration { return d.Elapsed })
	return r.drains[k]
}

// setInsert is setDrain for the batch insert of a system.
func (r *results) setInsert(name string, runs []harness.InsertResult) harness.InsertResult {
	r.insertRun[name] = runs
	r.inserts[name] = medianRun(runs, func(i harness.InsertResult) time.Duration { return i.Elapsed })
	return r.inserts[name]
}

// drainRatio is the median over the runs of a drain case's throughput
// ÷ another's in the same run (side by side), with the ratio of each
// run; ok is false unless both ran.
func (r *results) drainRatio(a, b drainKey) (median float64, each []float64, ok bool) {
	return runRatio(r.drainRuns[a], r.drainRuns[b])
}

// insertRatio is drainRatio for batch inserts.
func (r *results) insertRatio(a, b string) (median float64, each []float64, ok bool) {
	return runRatio(r.insertRun[a], r.insertRun[b])
}

// markdown renders the results.
func (r *results) markdown() string {
	var b strings.Builder
	n := r.cfg.tasks
	fmt.Fprintf(&b, "# asynqpg benchmark results\n\n")
	fmt.Fprintf(&b, "Run on %s, %s, with `go run ./cmd/bench %s` (figures: %s).\n\n",
		r.machine.started.Format("2006-01-02 15:04 MST"), r.elapsed.Round(time.Second), flagsLine(r.cfg), strings.Join(selected(r.cfg), ", "))
	r.machineTable(&b)
	if len(r.notes) > 0 {
		b.WriteString("\n**Notes:**\n\n")
		for _, n := range r.notes {
			b.WriteString("- " + n + "\n")
		}
	}

	b.WriteString("\n## Targets\n\n")
	t := table{head: []string{"figure", "asynqpg", "compared with", "ratio", "target", ""}}
	for _, w := range r.cfg.workers {
		a, _ := r.drain(sysAsynqpg, w, n, 0)
		rv, _ := r.drain(sysRiverTuned, w, n, 0)
		ratio, each, ok := r.drainRatio(drainKey{sysAsynqpg.Name, w, n, 0}, drainKey{sysRiverTuned.Name, w, n, 0})
		if !ok {
			continue
		}
		target, hasTarget := drainTargets[w]
		t.add(fmt.Sprintf("drain a %s-task backlog, %d workers", thousands(n), w),
			rate(a.Throughput()), "River tuned "+rate(rv.Throughput()), ratioCell(ratio, each),
			ifThen(hasTarget, "≥ "+times(target), "—"), ifThen(hasTarget, verdict(ratio >= target), ""))
	}
	if ratio, each, ok := r.insertRatio(sysAsynqpg.Name, sysRiverTuned.Name); ok {
		a, rv := r.inserts[sysAsynqpg.Name], r.inserts[sysRiverTuned.Name]
		t.add(fmt.Sprintf("batch insert, batches of %s (pgx)", thousands(harness.InsertBatchSize)),
			rate(a.Throughput()), "River InsertMany "+rate(rv.Throughput()), ratioCell(ratio, each),
			"≥ "+times(insertTarget), verdict(ratio >= insertTarget))
	}
	if a, ok := r.latencies[sysAsynqpg.Name]; ok {
		if rv, ok := r.latencies[sysRiverTuned.Name]; ok {
			for _, p := range []float64{50, 99} {
				ratio := float64(a.Percentile(p)) / float64(rv.Percentile(p))
				t.add(fmt.Sprintf("idle enqueue-to-handler latency, p%.0f", p),
					millis(a.Percentile(p)), "River tuned "+millis(rv.Percentile(p)), times(ratio),
					"≤ "+times(latencyTarget), verdict(ratio <= latencyTarget))
			}
		}
	}
	for _, w := range r.cfg.workers {
		a, okA := r.drain(sysAsynqpg, w, n, 0)
		l, okL := r.limits[w]
		if !okA || !okL {
			continue
		}
		ratio := a.Throughput() / l.Throughput()
		t.add(fmt.Sprintf("drain vs the SQL-only limit, %d workers / batches of %d", w, w),
			rate(a.Throughput()), "SQL-only limit "+rate(l.Throughput()), times(ratio),
			"≥ "+times(limitTarget), verdict(ratio >= limitTarget))
	}
	r.ceilingTargets(&t)
	r.scaleTargets(&t)
	w1 := r.cfg.workers[0]
	if a, ok := r.drain(sysAsynqpg, w1, n, r.cfg.retained); ok && r.cfg.retained > 0 {
		if e, ok := r.drain(sysAsynqpg, w1, n, 0); ok {
			ratio := a.Throughput() / e.Throughput()
			t.add(fmt.Sprintf("drain with %s finalized tasks retained, %d workers", thousands(r.cfg.retained), w1),
				rate(a.Throughput()), "empty table "+rate(e.Throughput()), times(ratio),
				"≥ "+times(retainedTarget), verdict(ratio >= retainedTarget))
		}
	}
	if big, ok := r.drain(sysAsynqpg, w1, n, 0); ok {
		if small, ok := r.drain(sysAsynqpg, w1, n/10, 0); ok {
			ratio := float64(big.Heap.Max) / float64(small.Heap.Max)
			t.add(fmt.Sprintf("consumer peak heap draining %s (vs %s)", thousands(n), thousands(n/10)),
				mib(big.Heap.Max), fmt.Sprintf("draining %s: %s", thousands(n/10), mib(small.Heap.Max)), times(ratio),
				"≤ "+times(memoryTarget)+" (bounded)", verdict(ratio <= memoryTarget))
		}
	}
	t.write(&b)

	r.drainTable(&b)
	r.cpuTable(&b)
	r.driverTable(&b)
	r.insertTable(&b)
	r.latencyTable(&b)
	r.limitTable(&b)
	r.ceilingTable(&b)
	r.scaleTable(&b)
	r.retainedTable(&b)
	r.memoryTable(&b)
	r.settingsTable(&b)
	return b.String()
}

// workerAxis is every drain worker count measured, ascending.
func (r *results) workerAxis() []int {
	ws := slices.Clone(r.cfg.workers)
	for _, w := range r.cfg.chartWorkers {
		if !slices.Contains(ws, w) {
			ws = append(ws, w)
		}
	}
	slices.Sort(ws)
	return ws
}

// chart returns the throughput chart, if at least two points were measured.
func (r *results) chart() (harness.Chart, bool) {
	axis := r.workerAxis()
	c := harness.Chart{
		Title:  fmt.Sprintf("Drain throughput, %s no-op tasks, %d cores", thousands(r.cfg.tasks), r.machine.cores),
		XLabel: "workers",
		YLabel: "tasks/s",
	}
	points := 0
	for _, sys := range []harness.System{sysAsynqpg, sysRiverTuned} {
		s := harness.Series{Name: sys.Name}
		for _, w := range axis {
			if d, ok := r.drain(sys, w, r.cfg.tasks, 0); ok {
				s.Values = append(s.Values, d.Throughput())
				points++
			} else {
				s.Values = append(s.Values, math.NaN())
			}
		}
		c.Series = append(c.Series, s)
	}
	for _, w := range axis {
		c.X = append(c.X, strconvItoa(w))
	}
	return c, points >= 2 && r.cfg.figures["chart"]
}

// flagsLine reconstructs the flags of the run.
func flagsLine(cfg config) string {
	var parts []string
	if cfg.quick {
		parts = append(parts, "-quick")
	}
	parts = append(parts, fmt.Sprintf("-tasks %d", cfg.tasks), "-workers "+joinInts(cfg.workers))
	if cfg.figures["chart"] {
		parts = append(parts, "-chart-workers "+joinInts(cfg.chartWorkers))
	}
	if cfg.figures["retained"] {
		parts = append(parts, fmt.Sprintf("-retained %d", cfg.retained))
	}
	if cfg.figures["latency"] {
		parts = append(parts, fmt.Sprintf("-samples %d -gap %v", cfg.samples, cfg.gap))
	}
	parts = append(parts, fmt.Sprintf("-pool-conns %d", cfg.poolConns))
	if cfg.figures["ceiling"] {
		parts = append(parts, "-ceiling-batches "+joinInts(cfg.ceilBatches))
	}
	if cfg.figures["scaleout"] {
		parts = append(parts, "-processes "+joinInts(cfg.processes))
	}
	parts = append(parts, fmt.Sprintf("-runs %d", cfg.runs))
	return strings.Join(parts, " ")
}
