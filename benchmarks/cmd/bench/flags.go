package main

import "flag"
import "fmt"
import "slices"
import "strconv"
import "strings"
import "time"

// figures are the parts of the benchmark, in the order they run.
var figures = []string{"drain", "drivers", "chart", "insert", "latency", "limit", "ceiling", "scaleout", "retained", "memory", "settings"}

// config is what the command line asks for.
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
	processes    []int
	ceilBatches  []int
	profile      string
	quick        bool
	systems      map[string]bool
	sqlStats     bool
	doc          string
	// retries and maxDisturbance: see undisturbed.
	retries        int
	maxDisturbance float64
}

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var (
		cfg          config
		workers      = fs.String("workers", "100,1000", "worker counts of the drain table, comma-separated")
		chartWorkers = fs.String("chart-workers", "10,50,100,500,1000", "worker counts of the throughput chart")
		figs         = fs.String("figures", "all", "figures to run, comma-separated: all or "+strings.Join(figures, ","))
		systems      = fs.String("systems", "all", "systems to run, comma-separated: all or "+strings.Join(systemIDs(), ","))
		processes    = fs.String("processes", "1,2,4", "consumer processes the scale-out figure splits the first worker count over, comma-separated")
		ceilBatches  = fs.String("ceiling-batches", "100,1000", "claim batch sizes of the raw SQL loop of the ceiling figure, comma-separated")
	)
	fs.IntVar(&cfg.tasks, "tasks", 100_000, "backlog size of the drains, and tasks of the batch insert")
	fs.StringVar(&cfg.out, "out", "results", "directory for the results: <out>/benchmark-results.md and <out>/images/throughput.png")
	fs.StringVar(&cfg.doc, "doc", "", "a markdown file whose part between the markers "+docStart+" and "+docEnd+" is replaced by the results")
	fs.IntVar(&cfg.retained, "retained", 10_000_000, "finalized rows retained in the table for the retained figure")
	fs.IntVar(&cfg.samples, "samples", 500, "samples of the idle latency figure")
	fs.DurationVar(&cfg.gap, "gap", 10*time.Millisecond, "pause between two latency samples")
	fs.IntVar(&cfg.poolConns, "pool-conns", 10, "connections of each system's pool")
	fs.DurationVar(&cfg.timeout, "timeout", 10*time.Minute, "longest a timed phase may take before the case is reported as failed")
	fs.IntVar(&cfg.runs, "runs", 3, "side-by-side runs of each drain and insert case (the systems alternate within a run); the median is reported, with every run")
	fs.IntVar(&cfg.retries, "retries", 3, "how often a measurement disturbed by other work on the machine is run again")
	fs.Float64Var(&cfg.maxDisturbance, "max-disturbance", 0.10, "share of the machine's CPU that other work may take during a measurement before it is run again")
	fs.BoolVar(&cfg.sqlStats, "sqlstats", false, "print the statements each drain ran, with their count, rows and time as the client saw it (pgx pools only)")
	fs.StringVar(&cfg.profile, "cpuprofile", "", "write a CPU profile of the asynqpg drain with the first worker count (the consumer draining, not the set-up) to this file")
	fs.BoolVar(&cfg.quick, "quick", false, "quick mode for iteration: 10,000 tasks, 100,000 retained rows, 200 latency samples, 1 run, 1 retry (explicit flags win)")
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
		if !set["runs"] {
			cfg.runs = 1
		}
	}
	var err error
	if cfg.workers, err = parseInts("workers", *workers); err != nil {
		return cfg, err
	}
	if cfg.chartWorkers, err = parseInts("chart-workers", *chartWorkers); err != nil {
		return cfg, err
	}
	if cfg.processes, err = parseInts("processes", *processes); err != nil {
		return cfg, err
	}
	if cfg.ceilBatches, err = parseInts("ceiling-batches", *ceilBatches); err != nil {
		return cfg, err
	}
	for _, p := range cfg.processes {
		if p > cfg.workers[0] {
			return cfg, fmt.Errorf("-processes: %d processes cannot share %d workers", p, cfg.workers[0])
		}
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
		return nil, fmt.Errorf("-%s: no value", name)
	}
	return out, nil
}
