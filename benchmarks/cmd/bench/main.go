// Command bench runs asynqpg and River side by side on the same
// PostgreSQL server and prints a markdown table of throughputs, latencies
// and ratios, with the targets they are held to; it also draws a chart of
// drain throughput against worker count.
//
// Every case runs on a fresh database (created, migrated, dropped), with
// no-op tasks. The server is found like the tests find theirs:
// DATABASE_URL, TEST_DATABASE_URL, a password-less server on
// 127.0.0.1:5432, or a throw-away cluster.
//
// A missed target is reported, never an error: the exit status says only
// whether the benchmarks ran.
//
//	go run ./cmd/bench                 # the documented full run
//	go run ./cmd/bench -quick          # 10,000 tasks, for iteration
//	go run ./cmd/bench -figures drain,latency -workers 100
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/yakser/asynqpg/benchmarks/internal/harness"
	"github.com/yakser/asynqpg/consumer"
)

// figures are the parts of the benchmark, in the order they run.
var figures = []string{"drain", "drivers", "chart", "insert", "latency", "limit", "retained", "memory", "settings"}

type config struct {
	tasks        int
	workers      []int
	chartWorkers []int
	figures      map[string]bool
	out          string
	retained     int
	samples      int
	gap          time.Duration
	poolConns    int
	timeout      time.Duration
	runs         int
	profile      string
	quick        bool
	systems      map[string]bool
	sqlStats     bool
	doc          string
	// retries and maxDisturbance: see undisturbed.
	retries        int
	maxDisturbance float64
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var (
		cfg          config
		workers      = fs.String("workers", "100,1000", "worker counts of the drain table, comma-separated")
		chartWorkers = fs.String("chart-workers", "10,50,100,500,1000", "worker counts of the throughput chart")
		figs         = fs.String("figures", "all", "figures to run, comma-separated: all or "+strings.Join(figures, ","))
		systems      = fs.String("systems", "all", "systems to run, comma-separated: all or "+strings.Join(systemIDs(), ","))
	)
	fs.IntVar(&cfg.tasks, "tasks", 100_000, "backlog size of the drains, and tasks of the batch insert")
	fs.StringVar(&cfg.out, "out", "results", "directory for the results: <out>/benchmark-results.md and <out>/images/throughput.png")
	fs.StringVar(&cfg.doc, "doc", "", "a markdown file whose part between the markers "+docStart+" and "+docEnd+" is replaced by the results")
	fs.IntVar(&cfg.retained, "retained", 1_000_000, "finalized rows retained in the table for the retained figure")
	fs.IntVar(&cfg.samples, "samples", 500, "samples of the idle latency figure")
	fs.DurationVar(&cfg.gap, "gap", 10*time.Millisecond, "pause between two latency samples")
	fs.IntVar(&cfg.poolConns, "pool-conns", 10, "connections of each system's pool")
	fs.DurationVar(&cfg.timeout, "timeout", 10*time.Minute, "longest a timed phase may take before the case is reported as failed")
	fs.IntVar(&cfg.runs, "runs", 1, "runs of each drain and insert case; the median is reported")
	fs.IntVar(&cfg.retries, "retries", 3, "how often a measurement disturbed by other work on the machine is run again")
	fs.Float64Var(&cfg.maxDisturbance, "max-disturbance", 0.10, "share of the machine's CPU that other work may take during a measurement before it is run again")
	fs.BoolVar(&cfg.sqlStats, "sqlstats", false, "print the statements each drain ran, with their count, rows and time as the client saw it (pgx pools only)")
	fs.StringVar(&cfg.profile, "cpuprofile", "", "write a CPU profile of the asynqpg drain with the first worker count (the consumer draining, not the set-up) to this file")
	fs.BoolVar(&cfg.quick, "quick", false, "quick mode for iteration: 10,000 tasks, 100,000 retained rows, 200 latency samples, 1 retry (explicit flags win)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if cfg.quick {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["tasks"] {
			cfg.tasks = 10_000
		}
		if !set["retained"] {
			cfg.retained = 100_000
		}
		if !set["samples"] {
			cfg.samples = 200
		}
		if !set["retries"] {
			cfg.retries = 1
		}
	}
	var err error
	if cfg.workers, err = parseInts("workers", *workers); err != nil {
		return cfg, err
	}
	if cfg.chartWorkers, err = parseInts("chart-workers", *chartWorkers); err != nil {
		return cfg, err
	}
	cfg.figures = map[string]bool{}
	for _, f := range strings.Split(*figs, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "all":
			for _, g := range figures {
				cfg.figures[g] = true
			}
		case slices.Contains(figures, f):
			cfg.figures[f] = true
		default:
			return cfg, fmt.Errorf("-figures: unknown figure %q (want all or %s)", f, strings.Join(figures, ", "))
		}
	}
	cfg.systems = map[string]bool{}
	for _, id := range strings.Split(*systems, ",") {
		id = strings.TrimSpace(id)
		switch {
		case id == "all":
			for _, s := range systemIDs() {
				cfg.systems[s] = true
			}
		case slices.Contains(systemIDs(), id):
			cfg.systems[id] = true
		default:
			return cfg, fmt.Errorf("-systems: unknown system %q (want all or %s)", id, strings.Join(systemIDs(), ", "))
		}
	}
	switch {
	case cfg.tasks < 10:
		return cfg, fmt.Errorf("-tasks must be at least 10 (got %d)", cfg.tasks)
	case cfg.samples < 1:
		return cfg, fmt.Errorf("-samples must be positive (got %d)", cfg.samples)
	case cfg.retained < 0:
		return cfg, fmt.Errorf("-retained must not be negative (got %d)", cfg.retained)
	case cfg.gap < 0:
		return cfg, fmt.Errorf("-gap must not be negative (got %v)", cfg.gap)
	case cfg.poolConns < 2:
		return cfg, fmt.Errorf("-pool-conns must be at least 2 (got %d)", cfg.poolConns)
	case cfg.timeout <= 0:
		return cfg, fmt.Errorf("-timeout must be positive (got %v)", cfg.timeout)
	case cfg.retries < 0:
		return cfg, fmt.Errorf("-retries must not be negative (got %d)", cfg.retries)
	case cfg.maxDisturbance <= 0 || cfg.maxDisturbance > 1:
		return cfg, fmt.Errorf("-max-disturbance must be in (0, 1] (got %v)", cfg.maxDisturbance)
	case cfg.runs < 1:
		return cfg, fmt.Errorf("-runs must be positive (got %d)", cfg.runs)
	}
	return cfg, nil
}

func parseInts(name, s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("-%s: %q is not a positive integer", name, f)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-%s: no worker count", name)
	}
	return out, nil
}

// The systems compared.
var (
	sysAsynqpg      = harness.Asynqpg(harness.DriverPgx)
	sysAsynqpgSqlx  = harness.Asynqpg(harness.DriverSqlx)
	sysAsynqpgBun   = harness.Asynqpg(harness.DriverBun)
	sysRiverTuned   = harness.River("river-tuned", "River tuned", harness.RiverTuned)
	sysRiverDefault = harness.River("river-default", "River default", harness.RiverDefault)
	sysRiverFast    = harness.River("river-fast", "River InsertManyFast", harness.RiverSettings{Fast: true})
	allSystems      = []harness.System{sysAsynqpg, sysAsynqpgSqlx, sysAsynqpgBun, sysRiverTuned, sysRiverDefault, sysRiverFast}
)

// settingVariant is asynqpg with one setting changed from its default.
type settingVariant struct {
	setting string // what changed
	sys     harness.System
}

// settingVariants returns the variants of the settings figure; the
// first is the defaults.
func settingVariants(poolConns int) []settingVariant {
	v := func(id string, tweak func(*consumer.Config)) harness.System {
		return harness.AsynqpgWith(harness.DriverPgx, "asynqpg-"+id, "asynqpg "+id, tweak)
	}
	noBatch := v("sync-completer", func(c *consumer.Config) { c.DisableBatchCompleter = true })
	noMaint := v("no-maintenance", func(c *consumer.Config) { c.DisableMaintenance = true })
	small := v("pool-4", nil)
	small.PoolConns = 4
	big := v(fmt.Sprintf("pool-%d", 2*poolConns), nil)
	big.PoolConns = 2 * poolConns
	async := v("async-commit", nil)
	async.DatabaseSettings = map[string]string{"synchronous_commit": "off"}
	return []settingVariant{
		{"defaults", sysAsynqpg},
		{"DisableBatchCompleter: true (one statement per outcome)", noBatch},
		{"DisableMaintenance: true (no leader election, rescuer, cleaner)", noMaint},
		{"pool of 4 connections (pgxpool's default on 2 cores)", small},
		{fmt.Sprintf("pool of %d connections", 2*poolConns), big},
		{"PostgreSQL synchronous_commit = off (for the database)", async},
	}
}

// systemGroup maps a setting variant of asynqpg to asynqpg, for -systems.
func systemGroup(id string) string {
	if slices.Contains(systemIDs(), id) {
		return id
	}
	return sysAsynqpg.ID
}

func systemIDs() []string {
	ids := make([]string, len(allSystems))
	for i, s := range allSystems {
		ids[i] = s.ID
	}
	return ids
}

// drainKey identifies a drain case; retained is the finalized rows
// retained in the table.
type drainKey struct {
	system   string
	workers  int
	tasks    int
	retained int
}

// runner runs the cases and keeps their results.
type runner struct {
	cfg     config
	env     harness.Env
	res     *results
	profile string // CPU profile to take for the next asynqpg drain
}

func run(ctx context.Context, cfg config) error {
	srv, err := harness.FindServer(ctx)
	if err != nil {
		return err
	}
	defer srv.Close()
	r := &runner{
		cfg: cfg,
		env: harness.Env{Server: srv, Timeout: cfg.timeout,
			Options: harness.Options{PoolConns: cfg.poolConns, Logger: harness.WarnLogger()}},
		res:     newResults(cfg),
		profile: cfg.profile,
	}
	if cfg.sqlStats {
		r.env.Options.SQLStats = harness.NewSQLStats()
	}
	if r.res.machine, err = describeMachine(ctx, srv, cfg); err != nil {
		return err
	}
	if l, err := strconv.ParseFloat(r.res.machine.loadStart, 64); err == nil && l > float64(r.res.machine.cores)/2 {
		logf("warning: the machine is busy (load average %s on %d cores): the figures will be noisy", r.res.machine.loadStart, r.res.machine.cores)
	}
	logf("server %s (PostgreSQL %s); %d tasks; figures %s", redactURL(srv.URL()), r.res.machine.pgVersion,
		cfg.tasks, strings.Join(selected(cfg), ","))
	start := time.Now()
	if err := r.warmUp(ctx); err != nil {
		return err
	}
	steps := []struct {
		figure string
		fn     func(context.Context) error
	}{
		{"drain", r.drain},
		{"drivers", r.drivers},
		{"chart", r.chart},
		{"insert", r.insert},
		{"latency", r.latency},
		{"limit", r.limit},
		{"retained", r.retained},
		{"memory", r.memory},
		{"settings", r.settings},
	}
	var errs []error
	for _, s := range steps {
		if !cfg.figures[s.figure] {
			continue
		}
		if err := s.fn(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// One failed figure does not hide the others.
			logf("%s: %v", s.figure, err)
			errs = append(errs, fmt.Errorf("%s: %w", s.figure, err))
		}
	}
	r.res.elapsed = time.Since(start)
	r.res.machine.loadEnd = loadAverage()
	md := r.res.markdown()
	fmt.Print(md)
	if err := r.write(md); err != nil {
		errs = append(errs, err)
	}
	if cfg.doc != "" {
		if err := updateDoc(cfg.doc, md); err != nil {
			errs = append(errs, err)
		} else {
			logf("updated %s", cfg.doc)
		}
	}
	return errors.Join(errs...)
}

func selected(cfg config) []string {
	var out []string
	for _, f := range figures {
		if cfg.figures[f] {
			out = append(out, f)
		}
	}
	return out
}

// write writes the markdown and the chart under cfg.out.
func (r *runner) write(md string) error {
	if r.cfg.out == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Join(r.cfg.out, "images"), 0o755); err != nil {
		return err
	}
	path := filepath.Join(r.cfg.out, "benchmark-results.md")
	if err := os.WriteFile(path, []byte(md), 0o644); err != nil {
		return err
	}
	logf("wrote %s", path)
	if chart, ok := r.res.chart(); ok {
		path := filepath.Join(r.cfg.out, "images", "throughput.png")
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := chart.WritePNG(f); err != nil {
			_ = f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		logf("wrote %s", path)
	}
	return nil
}

// drainOnce runs a drain case once per cfg.runs, unless it ran already,
// and returns the run with the median throughput.
func (r *runner) drainOnce(ctx context.Context, sys harness.System, workers, tasks, retained int) (harness.DrainResult, error) {
	key := drainKey{system: sys.Name, workers: workers, tasks: tasks, retained: retained}
	if res, ok := r.res.drains[key]; ok || !r.cfg.systems[systemGroup(sys.ID)] {
		return res, nil
	}
	c := harness.DrainCase{System: sys, Tasks: tasks, Workers: workers}
	if retained > 0 {
		c.Prepare = harness.RetainFinalized(sys, retained)
	}
	var runs []harness.DrainResult
	for range r.cfg.runs {
		var profile *os.File
		if r.profile != "" && sys.Name == sysAsynqpg.Name && retained == 0 {
			f, err := os.Create(r.profile)
			if err != nil {
				return harness.DrainResult{}, err
			}
			profile, c.CPUProfile, r.profile = f, f, ""
		}
		res, err := undisturbed(r, sys.Name+", "+drainLabel(tasks, workers, retained), func() (harness.DrainResult, harness.CPUUsage, error) {
			if profile != nil {
				// The profile of the last try is kept.
				if err := resetFile(profile); err != nil {
					return harness.DrainResult{}, harness.CPUUsage{}, err
				}
			}
			res, err := r.env.Drain(ctx, c)
			return res, res.CPU, err
		})
		c.CPUProfile = nil
		if profile != nil {
			if cerr := profile.Close(); cerr != nil && err == nil {
				err = cerr
			}
			logf("wrote CPU profile %s", profile.Name())
		}
		if err != nil {
			return res, fmt.Errorf("%s: %w", sys.Name, err)
		}
		runs = append(runs, res)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].Elapsed < runs[j].Elapsed })
	res := runs[len(runs)/2]
	r.res.drains[key] = res
	what := drainLabel(tasks, workers, retained)
	logf("%-22s %-44s %10.0f tasks/s  (%v, peak heap %s, CPU/task: process %.0fµs, database %.0fµs, other %.0fµs)", sys.Name, what, res.Throughput(),
		res.Elapsed.Round(time.Millisecond), mib(res.Heap.Max), perTask(res.CPU.Process, res.Tasks), perTask(res.CPU.Database, res.Tasks),
		perTask(res.CPU.Foreign(), res.Tasks))
	if len(res.SQL) > 0 {
		fmt.Fprint(os.Stderr, harness.FormatSQLStats(res.SQL, res.Elapsed))
	}
	return res, nil
}

// maxRetriedPhase is the longest measurement undisturbed runs again.
const maxRetriedPhase = time.Minute

// undisturbed runs a measurement, and runs it again, up to cfg.retries
// times, while other work on the machine took more than
// cfg.maxDisturbance of its CPU capacity (unless it took longer than
// maxRetriedPhase); it returns the least disturbed run.
func undisturbed[T any](r *runner, what string, run func() (T, harness.CPUUsage, error)) (T, error) {
	return undisturbedIf(r, what, false, run)
}

// minOwnShare is the share of the machine a measurement must use itself
// for other work to disturb it: one that mostly waits (River with its
// default settings) is hardly moved by other work.
const minOwnShare = 0.25

// undisturbedIf is undisturbed; waitBound says the measurement is about
// waiting (latency), so other work disturbs it however little CPU it
// uses itself.
func undisturbedIf[T any](r *runner, what string, waitBound bool, run func() (T, harness.CPUUsage, error)) (T, error) {
	var (
		best      T
		bestShare = 2.0
	)
	for try := 0; try <= r.cfg.retries; try++ {
		res, cpu, err := run()
		if err != nil {
			return res, err
		}
		share := cpu.ForeignShare()
		if share < bestShare {
			best, bestShare = res, share
		}
		if share <= r.cfg.maxDisturbance || (!waitBound && cpu.OwnShare() < minOwnShare) {
			break
		}
		if cpu.Elapsed > maxRetriedPhase {
			note := fmt.Sprintf("%s: disturbed (%.0f%% of the machine taken by other work), not run again (it takes over %v)", what, 100*share, maxRetriedPhase)
			logf("%s", note)
			r.res.notes = append(r.res.notes, note)
			break
		}
		if try < r.cfg.retries {
			logf("%s: other work took %.0f%% of the machine meanwhile; measuring again", what, 100*share)
		} else {
			note := fmt.Sprintf("%s: still disturbed after %d runs (%.0f%% of the machine taken by other work); the least disturbed run is reported", what, try+1, 100*bestShare)
			logf("%s", note)
			r.res.notes = append(r.res.notes, note)
		}
	}
	return best, nil
}

// drainLabel describes a drain case.
func drainLabel(tasks, workers, retained int) string {
	what := fmt.Sprintf("drain %d tasks, %d workers", tasks, workers)
	if retained > 0 {
		what += fmt.Sprintf(", %d finalized rows retained", retained)
	}
	return what
}

// resetFile empties f for a new profile.
func resetFile(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.Seek(0, 0)
	return err
}

// warmUp drains a small backlog with asynqpg and River, untimed, so the
// first measured case does not pay for cold caches (the process's and
// the server's).
func (r *runner) warmUp(ctx context.Context) error {
	n := min(r.cfg.tasks, 10_000)
	for _, sys := range []harness.System{sysAsynqpg, sysRiverTuned} {
		if !r.cfg.systems[sys.ID] {
			continue
		}
		if _, err := r.env.Drain(ctx, harness.DrainCase{System: sys, Tasks: n, Workers: r.cfg.workers[0]}); err != nil {
			return fmt.Errorf("warm-up of %s: %w", sys.Name, err)
		}
	}
	logf("warmed up")
	return nil
}

// drain: the drain table, every worker count for asynqpg, River tuned
// and River default, interleaved so drift on the machine hits all alike.
func (r *runner) drain(ctx context.Context) error {
	var errs []error
	for _, w := range r.cfg.workers {
		for _, sys := range []harness.System{sysAsynqpg, sysRiverTuned, sysRiverDefault} {
			if _, err := r.drainOnce(ctx, sys, w, r.cfg.tasks, 0); err != nil {
				if ctx.Err() != nil {
					return err
				}
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// drivers: asynqpg's drain through sqlx and bun, against pgx.
func (r *runner) drivers(ctx context.Context) error {
	var errs []error
	w := r.cfg.workers[0]
	for _, sys := range []harness.System{sysAsynqpg, sysAsynqpgSqlx, sysAsynqpgBun} {
		if _, err := r.drainOnce(ctx, sys, w, r.cfg.tasks, 0); err != nil {
			if ctx.Err() != nil {
				return err
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// chart: throughput against worker count for asynqpg and River tuned.
func (r *runner) chart(ctx context.Context) error {
	var errs []error
	for _, w := range r.cfg.chartWorkers {
		for _, sys := range []harness.System{sysAsynqpg, sysRiverTuned} {
			if _, err := r.drainOnce(ctx, sys, w, r.cfg.tasks, 0); err != nil {
				if ctx.Err() != nil {
					return err
				}
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// insert: batch insert of cfg.tasks in batches of 1,000.
func (r *runner) insert(ctx context.Context) error {
	var errs []error
	for _, sys := range []harness.System{sysAsynqpg, sysRiverTuned, sysAsynqpgSqlx, sysAsynqpgBun, sysRiverFast} {
		if !r.cfg.systems[sys.ID] {
			continue
		}
		var runs []harness.InsertResult
		for range r.cfg.runs {
			res, err := undisturbed(r, sys.Name+", batch insert", func() (harness.InsertResult, harness.CPUUsage, error) {
				res, err := r.env.BatchInsert(ctx, sys, r.cfg.tasks)
				return res, res.CPU, err
			})
			if err != nil {
				if ctx.Err() != nil {
					return err
				}
				errs = append(errs, fmt.Errorf("%s: %w", sys.Name, err))
				runs = nil
				break
			}
			runs = append(runs, res)
		}
		if len(runs) == 0 {
			continue
		}
		sort.Slice(runs, func(i, j int) bool { return runs[i].Elapsed < runs[j].Elapsed })
		res := runs[len(runs)/2]
		r.res.inserts[sys.Name] = res
		logf("%-22s %-44s %10.0f tasks/s  (%v, CPU/task: process %.1fµs, database %.1fµs, other %.1fµs)", sys.Name,
			fmt.Sprintf("batch insert %d tasks, batches of %d", res.Tasks, harness.InsertBatchSize),
			res.Throughput(), res.Elapsed.Round(time.Millisecond), perTask(res.CPU.Process, res.Tasks),
			perTask(res.CPU.Database, res.Tasks), perTask(res.CPU.Foreign(), res.Tasks))
	}
	return errors.Join(errs...)
}

// latency: idle enqueue-to-handler latency.
func (r *runner) latency(ctx context.Context) error {
	var errs []error
	for _, sys := range []harness.System{sysAsynqpg, sysRiverTuned, sysRiverDefault} {
		if !r.cfg.systems[sys.ID] {
			continue
		}
		res, err := undisturbedIf(r, sys.Name+", idle latency", true, func() (harness.LatencyResult, harness.CPUUsage, error) {
			res, err := r.env.IdleLatency(ctx, sys, r.cfg.samples, r.cfg.gap)
			return res, res.CPU, err
		})
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			errs = append(errs, fmt.Errorf("%s: %w", sys.Name, err))
			continue
		}
		r.res.latencies[sys.Name] = res
		logf("%-22s %-44s p50 %v  p99 %v", sys.Name, fmt.Sprintf("idle latency, %d samples", len(res.Samples)),
			res.Percentile(50).Round(time.Microsecond), res.Percentile(99).Round(time.Microsecond))
	}
	return errors.Join(errs...)
}

// limit: the SQL-only limit, with a claim batch of each drain worker
// count, next to asynqpg's drain with that many workers.
func (r *runner) limit(ctx context.Context) error {
	var errs []error
	for _, w := range r.cfg.workers {
		if !r.cfg.systems[sysAsynqpg.ID] {
			break
		}
		res, err := undisturbed(r, fmt.Sprintf("SQL-only limit, batches of %d", w), func() (harness.DrainResult, harness.CPUUsage, error) {
			res, err := r.env.SQLLimit(ctx, r.cfg.tasks, w)
			return res, res.CPU, err
		})
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			errs = append(errs, fmt.Errorf("batch %d: %w", w, err))
			continue
		}
		r.res.limits[w] = res
		logf("%-22s %-44s %10.0f tasks/s  (%v, CPU/task: process %.0fµs, database %.0fµs, other %.0fµs)", "SQL-only limit", fmt.Sprintf("%d tasks, batches of %d", res.Tasks, w),
			res.Throughput(), res.Elapsed.Round(time.Millisecond), perTask(res.CPU.Process, res.Tasks), perTask(res.CPU.Database, res.Tasks),
			perTask(res.CPU.Foreign(), res.Tasks))
		if _, err := r.drainOnce(ctx, sysAsynqpg, w, r.cfg.tasks, 0); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// retained: drains on a table holding cfg.retained finalized rows, next
// to the same drains on an empty table.
func (r *runner) retained(ctx context.Context) error {
	var errs []error
	w := r.cfg.workers[0]
	for _, sys := range []harness.System{sysAsynqpg, sysRiverTuned} {
		for _, retained := range []int{0, r.cfg.retained} {
			if _, err := r.drainOnce(ctx, sys, w, r.cfg.tasks, retained); err != nil {
				if ctx.Err() != nil {
					return err
				}
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// memory: the consumer's peak heap draining a tenth of the backlog and
// the whole backlog.
func (r *runner) memory(ctx context.Context) error {
	var errs []error
	w := r.cfg.workers[0]
	for _, sys := range []harness.System{sysAsynqpg, sysRiverTuned} {
		for _, n := range []int{r.cfg.tasks / 10, r.cfg.tasks} {
			if _, err := r.drainOnce(ctx, sys, w, n, 0); err != nil {
				if ctx.Err() != nil {
					return err
				}
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// settings: asynqpg's drain with one setting changed at a time.
func (r *runner) settings(ctx context.Context) error {
	if !r.cfg.systems[sysAsynqpg.ID] {
		return nil
	}
	var errs []error
	w := r.cfg.workers[0]
	for _, v := range settingVariants(r.cfg.poolConns) {
		if _, err := r.drainOnce(ctx, v.sys, w, r.cfg.tasks, 0); err != nil {
			if ctx.Err() != nil {
				return err
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func perTask(d time.Duration, tasks int) float64 {
	return float64(d) / float64(time.Microsecond) / float64(tasks)
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
