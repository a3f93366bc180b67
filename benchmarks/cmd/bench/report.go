package main

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/yakser/asynqpg/benchmarks/internal/harness"
)

// drainTargets are the performance targets for asynqpg's drain throughput
// against River tuned, by worker count.
var drainTargets = map[int]float64{100: 2.5, 1000: 2}

// Other targets.
const (
	insertTarget   = 2.0 // asynqpg EnqueueMany ÷ River InsertMany
	latencyTarget  = 1.0 // asynqpg ÷ River tuned, at most
	limitTarget    = 0.6 // asynqpg drain ÷ SQL-only limit
	retainedTarget = 0.9 // drain with finalized rows retained ÷ drain on an empty table
	memoryTarget   = 1.5 // peak heap draining the backlog ÷ draining a tenth of it, at most
)

// machine describes where the run happened.
type machine struct {
	cpu, memory, kernel, goVersion, riverVersion string
	cores                                        int
	pgVersion                                    string
	pgSettings                                   map[string]string
	managed                                      bool
	started                                      time.Time
	// loadStart and loadEnd are the 1-minute load averages when the run
	// started and ended: other work on the machine makes figures noisy.
	loadStart, loadEnd string
}

// loadAverage returns the 1-minute load average.
func loadAverage() string {
	f := strings.Fields(readFile("/proc/loadavg"))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// results holds everything measured in one run.
type results struct {
	cfg       config
	machine   machine
	elapsed   time.Duration
	drains    map[drainKey]harness.DrainResult
	inserts   map[string]harness.InsertResult
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
		inserts:   map[string]harness.InsertResult{},
		latencies: map[string]harness.LatencyResult{},
		limits:    map[int]harness.DrainResult{},
	}
}

func describeMachine(ctx context.Context, srv *harness.Server, cfg config) (machine, error) {
	m := machine{
		cores:     runtime.NumCPU(),
		goVersion: runtime.Version(),
		managed:   srv.Managed(),
		started:   time.Now().UTC(),
		cpu:       procField("/proc/cpuinfo", "model name"),
		kernel:    strings.TrimSpace(readFile("/proc/sys/kernel/osrelease")),
		loadStart: loadAverage(),
	}
	if kb := procField("/proc/meminfo", "MemTotal"); kb != "" {
		var n float64
		if _, err := fmt.Sscanf(kb, "%f kB", &n); err == nil {
			m.memory = fmt.Sprintf("%.0f GiB", n/(1<<20))
		}
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/riverqueue/river" {
				m.riverVersion = d.Version
			}
		}
	}
	settings, err := srv.Settings(ctx)
	if err != nil {
		return m, fmt.Errorf("read server settings: %w", err)
	}
	m.pgVersion = settings["server_version"]
	m.pgSettings = settings
	return m, nil
}

func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(b)
}

// procField returns the value of the first "key: value" line of a /proc
// file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func redactURL(url string) string {
	if at := strings.LastIndex(url, "@"); at >= 0 {
		if scheme := strings.Index(url, "://"); scheme >= 0 && scheme < at {
			userinfo := url[scheme+3 : at]
			if user, _, ok := strings.Cut(userinfo, ":"); ok {
				return url[:scheme+3] + user + ":xxxxx" + url[at:]
			}
		}
	}
	return url
}

func (r *results) drain(sys harness.System, workers, tasks, retained int) (harness.DrainResult, bool) {
	res, ok := r.drains[drainKey{system: sys.Name, workers: workers, tasks: tasks, retained: retained}]
	return res, ok
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
		a, okA := r.drain(sysAsynqpg, w, n, 0)
		rv, okR := r.drain(sysRiverTuned, w, n, 0)
		if !okA || !okR {
			continue
		}
		target, hasTarget := drainTargets[w]
		ratio := a.Throughput() / rv.Throughput()
		t.add(fmt.Sprintf("drain a %s-task backlog, %d workers", thousands(n), w),
			rate(a.Throughput()), "River tuned "+rate(rv.Throughput()), times(ratio),
			ifThen(hasTarget, "≥ "+times(target), "—"), ifThen(hasTarget, verdict(ratio >= target), ""))
	}
	if a, ok := r.inserts[sysAsynqpg.Name]; ok {
		if rv, ok := r.inserts[sysRiverTuned.Name]; ok {
			ratio := a.Throughput() / rv.Throughput()
			t.add(fmt.Sprintf("batch insert, batches of %s (pgx)", thousands(harness.InsertBatchSize)),
				rate(a.Throughput()), "River InsertMany "+rate(rv.Throughput()), times(ratio),
				"≥ "+times(insertTarget), verdict(ratio >= insertTarget))
		}
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
	r.retainedTable(&b)
	r.memoryTable(&b)
	r.settingsTable(&b)
	return b.String()
}

func (r *results) machineTable(b *strings.Builder) {
	m := r.machine
	t := table{head: []string{"", ""}}
	t.add("CPU", fmt.Sprintf("%s, %d cores", orDash(m.cpu), m.cores))
	t.add("memory", orDash(m.memory))
	t.add("OS", "Linux "+orDash(m.kernel))
	t.add("load average (1 min)", fmt.Sprintf("%s at the start, %s at the end", orDash(m.loadStart), orDash(m.loadEnd)))
	t.add("Go", m.goVersion)
	server := "found server"
	if m.managed {
		server = "throw-away cluster (fsync off: faster than a real server)"
	}
	s := m.pgSettings
	t.add("PostgreSQL", fmt.Sprintf("%s on the same machine (%s); fsync %s, synchronous_commit %s, shared_buffers %s, max_connections %s",
		m.pgVersion, server, s["fsync"], s["synchronous_commit"], pages(s["shared_buffers"]), s["max_connections"]))
	t.add("River", orDash(m.riverVersion)+" with riverpgxv5")
	t.add("pools", fmt.Sprintf("pgxpool (or database/sql) of %d connections per system, plus one for the harness", r.cfg.poolConns))
	t.add("tasks", fmt.Sprintf("no-op handlers; backlog %s; batch insert batches of %s", thousands(r.cfg.tasks), thousands(harness.InsertBatchSize)))
	b.WriteString("\n## Machine\n\n")
	t.write(b)
}

// pages turns "16384 8kB" into "128 MiB".
func pages(s string) string {
	var n float64
	if _, err := fmt.Sscanf(s, "%f 8kB", &n); err == nil {
		return fmt.Sprintf("%.0f MiB", n*8/1024)
	}
	return s
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

func (r *results) drainTable(b *strings.Builder) {
	n := r.cfg.tasks
	t := table{head: []string{"workers", sysAsynqpg.Name, sysRiverTuned.Name, sysRiverDefault.Name, "asynqpg ÷ River tuned"}}
	for _, w := range r.workerAxis() {
		a, okA := r.drain(sysAsynqpg, w, n, 0)
		rt, okT := r.drain(sysRiverTuned, w, n, 0)
		rd, okD := r.drain(sysRiverDefault, w, n, 0)
		if !okA && !okT && !okD {
			continue
		}
		ratio := "—"
		if okA && okT {
			ratio = times(a.Throughput() / rt.Throughput())
		}
		t.add(strconvItoa(w), drainCell(a, okA), drainCell(rt, okT), drainCell(rd, okD), ratio)
	}
	if len(t.rows) == 0 {
		return
	}
	fmt.Fprintf(b, "\n## Drain throughput\n\nTasks per second draining a backlog of %s no-op tasks (time from starting the consumer until every task is completed in the database).\n\n", thousands(n))
	t.write(b)
}

func (r *results) cpuTable(b *strings.Builder) {
	n := r.cfg.tasks
	t := table{head: []string{"system", "workers", "tasks/s", "client (µs/task)", "PostgreSQL (µs/task)", "rest of the machine (µs/task)", "machine busy"}}
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
		t.add(name, strconvItoa(w), thousands(int(math.Round(d.Throughput()))), per(d.CPU.Process), dbCPU, rest, fmt.Sprintf("%.0f%%", busy))
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
	b.WriteString("\n## Where the CPU goes\n\nCPU time per task while draining. The client is the benchmark process, where the queue's consumer runs (claiming, dispatching, completing; the harness itself does nearly nothing); PostgreSQL is the server processes working for the case's database (its backends and autovacuum workers, and the server's WAL writer, checkpointer and background writer); the rest is other work on the machine. Machine busy is the share of all cores in use. With client and server on the same cores, what one side saves the other can use.\n\n")
	t.write(b)
}

func drainCell(d harness.DrainResult, ok bool) string {
	if !ok {
		return "—"
	}
	return thousands(int(math.Round(d.Throughput())))
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
		row := []string{d.name, drainCell(dr, okD), "—", "—", "—"}
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
	base, okBase := r.inserts[sysAsynqpg.Name]
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
		if okBase {
			ratio = times(base.Throughput() / res.Throughput())
		}
		t.add(s.label, thousands(int(math.Round(res.Throughput()))), ratio)
	}
	if len(t.rows) == 0 {
		return
	}
	fmt.Fprintf(b, "\n## Batch insert\n\n%s no-op tasks in batches of %s, one batch after the other, one goroutine (one warm-up batch not timed).\n\n",
		thousands(r.cfg.tasks), thousands(harness.InsertBatchSize))
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
		t.add(strconvItoa(w), thousands(int(math.Round(l.Throughput()))), drainCell(a, okA), ratio)
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
		t.add(sys.Name, drainCell(e, okE), drainCell(k, okK), ratio)
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
	if cfg.runs > 1 {
		parts = append(parts, fmt.Sprintf("-runs %d", cfg.runs))
	}
	return strings.Join(parts, " ")
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconvItoa(n)
	}
	return strings.Join(s, ",")
}

// table is a markdown table.
type table struct {
	head []string
	rows [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(b *strings.Builder) {
	b.WriteString("| " + strings.Join(t.head, " | ") + " |\n|")
	for range t.head {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, row := range t.rows {
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
}

func rate(v float64) string { return thousands(int(math.Round(v))) + " tasks/s" }

func times(v float64) string { return fmt.Sprintf("%.2f×", v) }

func millis(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func ifThen(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func strconvItoa(n int) string { return fmt.Sprint(n) }

// thousands formats n with thousands separators.
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []string
	for len(s) > 3 {
		out = append([]string{s[len(s)-3:]}, out...)
		s = s[:len(s)-3]
	}
	out = append([]string{s}, out...)
	res := strings.Join(out, ",")
	if neg {
		res = "-" + res
	}
	return res
}
