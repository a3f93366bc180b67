// Command bench runs asynqpg and River side by side on the same
// PostgreSQL server and prints a markdown table of throughputs, latencies
// and ratios, with the targets they are held to; it also draws a chart of
// drain throughput against worker count.
//
// Every case runs on a fresh database (created, migrated, dropped), with
// no-op tasks, -runs times side by side (the median is reported, with
// every run). The server is found like the tests find theirs:
// DATABASE_URL, TEST_DATABASE_URL, a password-less server on
// 127.0.0.1:5432, or a throw-away cluster.
//
// Besides the drains, the batch insert and the idle latency, it measures
// the cost of a task's whole cycle against a raw SQL loop (the ceiling
// figure), and the drain split over consumer OS processes (the scaleout
// figure): for that it runs itself again with -consumer-process as the
// first argument, once per consumer process.
//
// A missed target is reported, never an error: the exit status says only
// whether the benchmarks ran.
//
//	go run ./cmd/bench                 # the documented full run
//	go run ./cmd/bench -quick          # 10,000 tasks, one run, for iteration
//	go run ./cmd/bench -figures drain,latency -workers 100
//	go run ./cmd/bench -figures scaleout -processes 1,2,4,8
package main

import "context"
import "errors"
import "flag"
import "fmt"
import "os"
import "os/signal"
import "path/filepath"
import "slices"
import "strconv"
import "strings"
import "time"

import "github.com/yakser/asynqpg/benchmarks/internal/harness"
import "github.com/yakser/asynqpg/consumer"

func main() {
	if len(os.Args) > 1 && os.Args[1] == harness.ChildArg {
		// A consumer process of the scale-out figure.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		if err := harness.RunChild(ctx, os.Args[2:], allSystems, harness.Options{Logger: harness.WarnLogger()}); err != nil {
			fmt.Fprintln(os.Stderr, "bench consumer process:", err)
			os.Exit(1)
		}
		return
	}
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
// first is the defaults, measured again in the figure's own alternation
// (not taken from the drain table, whose runs came earlier and under
// other conditions), so that every ratio compares runs made side by side.
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
		{"defaults", v("defaults", nil)},
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
	logf("server %s (PostgreSQL %s); %d tasks; figures %s; pg_stat_statements %s", redactURL(srv.URL()), r.res.machine.pgVersion,
		cfg.tasks, strings.Join(selected(cfg), ","), ifThen(srv.StatementsLoaded(), "loaded", "not loaded (server CPU from /proc only)"))
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
		{"ceiling", r.ceiling},
		{"scaleout", r.scaleout},
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
