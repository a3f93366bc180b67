package main

import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/benchmarks/internal/harness"

func TestParseFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		args    []string
		check   func(t *testing.T, c config)
		wantErr string
	}{
		{name: "defaults", check: func(t *testing.T, c config) {
			require.Equal(t, 100_000, c.tasks)
			require.Equal(t, 10_000_000, c.retained)
			require.Equal(t, 500, c.samples)
			require.Equal(t, 3, c.runs)
			require.Equal(t, []int{100, 1000}, c.workers)
			require.Equal(t, []int{1, 2, 4}, c.processes)
			require.Equal(t, []int{100, 1000}, c.ceilBatches)
			require.Len(t, c.figures, len(figures))
			require.Len(t, c.systems, len(allSystems))
		}},
		{name: "quick", args: []string{"-quick"}, check: func(t *testing.T, c config) {
			require.Equal(t, 10_000, c.tasks)
			require.Equal(t, 100_000, c.retained)
			require.Equal(t, 200, c.samples)
			require.Equal(t, 1, c.retries)
			require.Equal(t, 1, c.runs)
		}},
		{name: "quick keeps explicit runs", args: []string{"-quick", "-runs", "3"}, check: func(t *testing.T, c config) {
			require.Equal(t, 3, c.runs)
		}},
		{name: "processes and batches", args: []string{"-processes", "1,8", "-ceiling-batches", "50"}, check: func(t *testing.T, c config) {
			require.Equal(t, []int{1, 8}, c.processes)
			require.Equal(t, []int{50}, c.ceilBatches)
		}},
		{name: "quick keeps explicit flags", args: []string{"-quick", "-tasks", "5000"}, check: func(t *testing.T, c config) {
			require.Equal(t, 5000, c.tasks)
		}},
		{name: "workers", args: []string{"-workers", "10, 20,10"}, check: func(t *testing.T, c config) {
			require.Equal(t, []int{10, 20}, c.workers)
		}},
		{name: "figures and systems", args: []string{"-figures", "drain,latency", "-systems", "asynqpg"}, check: func(t *testing.T, c config) {
			require.Equal(t, map[string]bool{"drain": true, "latency": true}, c.figures)
			require.Equal(t, map[string]bool{"asynqpg": true}, c.systems)
		}},
		{name: "bad figure", args: []string{"-figures", "speed"}, wantErr: `unknown figure "speed"`},
		{name: "bad system", args: []string{"-systems", "sidekiq"}, wantErr: `unknown system "sidekiq"`},
		{name: "bad workers", args: []string{"-workers", "0"}, wantErr: "not a positive integer"},
		{name: "few tasks", args: []string{"-tasks", "3"}, wantErr: "-tasks must be at least 10"},
		{name: "more processes than workers", args: []string{"-workers", "2", "-processes", "1,4"}, wantErr: "4 processes cannot share 2 workers"},
		{name: "bad processes", args: []string{"-processes", "two"}, wantErr: `-processes: "two" is not a positive integer`},
		{name: "bad ceiling batch", args: []string{"-ceiling-batches", "-5"}, wantErr: `-ceiling-batches: "-5" is not a positive integer`},
		{name: "stray argument", args: []string{"now"}, wantErr: "unexpected arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := parseFlags(tc.args)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			tc.check(t, c)
		})
	}
}

func TestThousands(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1500: "-1,500"} {
		require.Equal(t, want, thousands(n), "thousands(%d)", n)
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://u:secret@h:5432/db":      "postgres://u:xxxxx@h:5432/db",
		"postgres://postgres@127.0.0.1/db":   "postgres://postgres@127.0.0.1/db",
		"postgres://127.0.0.1/db?sslmode=no": "postgres://127.0.0.1/db?sslmode=no",
	} {
		require.Equal(t, want, redactURL(in), "redactURL(%q)", in)
	}
}

func TestSpliceResults(t *testing.T) {
	t.Parallel()
	doc := "# Doc\n\nbefore\n" + docStart + "\nold\n" + docEnd + "\nafter\n"
	md := "# asynqpg benchmark results\n\nRun on a day.\n\n## Targets\n\n| a |\n"
	got, err := spliceResults(doc, md)
	require.NoError(t, err)
	require.Equal(t, "# Doc\n\nbefore\n"+docStart+"\nRun on a day.\n\n### Targets\n\n| a |\n"+docEnd+"\nafter\n", got)

	again, err := spliceResults(got, md)
	require.NoError(t, err)
	require.Equal(t, got, again, "splicing twice changes nothing more")

	_, err = spliceResults("no markers", md)
	require.ErrorContains(t, err, "markers")
}

func TestRunsFormatting(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, got, want string
	}{
		{"one run", runsCell(1234.4, []float64{1234.4}), "1,234"},
		{"three runs", runsCell(2000, []float64{1000, 2000, 3000.6}), "2,000 (1,000, 2,000, 3,001)"},
		{"one ratio", ratioCell(2.5, []float64{2.5}), "2.50×"},
		{"three ratios", ratioCell(2, []float64{3, 2, 1}), "2.00× (runs: 3.00×, 2.00×, 1.00×)"},
		{"even split", splitWorkers(100, 4), "25"},
		{"uneven split", splitWorkers(100, 3), "33–34"},
	} {
		require.Equal(t, tc.want, tc.got, tc.name)
	}
	require.Equal(t, 2.0, medianOf([]float64{3, 1, 2}))
	require.Equal(t, 3.0, medianOf([]float64{4, 1, 3, 2}), "the upper median of an even count")
}

func TestMedianAndSideBySideRatios(t *testing.T) {
	t.Parallel()
	res := newResults(config{runs: 3})
	a := drainKey{system: sysAsynqpg.Name, workers: 100, tasks: 1000}
	b := drainKey{system: sysRiverTuned.Name, workers: 100, tasks: 1000}
	run := func(tasks int, ms int) harness.DrainResult {
		return harness.DrainResult{Tasks: tasks, Elapsed: time.Duration(ms) * time.Millisecond}
	}
	// asynqpg: 10,000, 5,000 and 20,000 tasks/s; River: 2,000 each run.
	med := res.setDrain(a, []harness.DrainResult{run(1000, 100), run(1000, 200), run(1000, 50)})
	require.InDelta(t, 10_000, med.Throughput(), 1e-6, "the median run")
	upper := res.setDrain(drainKey{system: "two runs"}, []harness.DrainResult{run(1000, 200), run(1000, 100)})
	require.InDelta(t, 10_000, upper.Throughput(), 1e-6, "of two runs, the faster, as medianOf")
	res.setDrain(b, []harness.DrainResult{run(1000, 500), run(1000, 500), run(1000, 500)})
	ratio, each, ok := res.drainRatio(a, b)
	require.True(t, ok)
	require.InDeltaSlice(t, []float64{5, 2.5, 10}, each, 1e-9, "ratios within each run, in run order")
	require.InDelta(t, 5, ratio, 1e-9)
	_, _, ok = res.drainRatio(a, drainKey{system: "none"})
	require.False(t, ok)
}

func TestScaleAndCeilingTables(t *testing.T) {
	t.Parallel()
	cfg, err := parseFlags([]string{"-workers", "100", "-processes", "1,4", "-ceiling-batches", "100", "-runs", "2", "-figures", "ceiling,scaleout"})
	require.NoError(t, err)
	res := newResults(cfg)
	res.machine.cores = 2
	drain := func(tasks int, elapsed time.Duration, client, server time.Duration) harness.DrainResult {
		return harness.DrainResult{Tasks: tasks, Elapsed: elapsed,
			CPU: harness.CPUUsage{Process: client, Database: server, Machine: client + server, Elapsed: elapsed, Cores: 2, Measured: true}}
	}
	scale := func(p int, elapsed time.Duration) harness.ScaleOutResult {
		return harness.ScaleOutResult{DrainResult: drain(1000, elapsed, 10*time.Millisecond, 20*time.Millisecond), Processes: p,
			SQL: []harness.StatementStats{{Statement: "WITH done AS ( UPDATE", Calls: 20 * p, Rows: 1000}}}
	}
	// One process: 10,000 tasks/s in both runs; four: 9,500 and 8,000.
	res.setScale(scaleKey{sysAsynqpg.Name, 1}, []harness.ScaleOutResult{scale(1, 100*time.Millisecond), scale(1, 100*time.Millisecond)})
	res.setScale(scaleKey{sysAsynqpg.Name, 4}, []harness.ScaleOutResult{scale(4, 105263*time.Microsecond), scale(4, 125*time.Millisecond)})
	a := drain(1000, 100*time.Millisecond, 10*time.Millisecond, 30*time.Millisecond)
	a.Delete = harness.PhaseResult{Rows: 1000, Elapsed: time.Millisecond, CPU: harness.CPUUsage{Database: 10 * time.Millisecond, Measured: true}}
	res.setDrain(drainKey{system: sysAsynqpg.Name, workers: 100, tasks: cfg.tasks}, []harness.DrainResult{a, a})
	res.ceilings[100] = drain(1000, 50*time.Millisecond, time.Millisecond, 10*time.Millisecond)

	md := res.markdown()
	require.Contains(t, md, "| drain, 100 workers split over 4 processes | 9,500 tasks/s | one process 10,000 tasks/s | 0.95× (runs: 0.95×, 0.80×) | ≥ 0.90× | met |",
		"the target is the median of the side-by-side ratios; of two, the upper one")
	require.Contains(t, md, "| asynqpg | 4 × 25 | 9,500 (9,500, 8,000) | 0.95× (runs: 0.95×, 0.80×) | 80.0 | 12.5 |")
	// Client 10µs, claim + complete 30µs, delete 10µs per task: 50µs on 2 cores.
	require.Contains(t, md, "| asynqpg, 100 workers | 10,000 | 10 | 30 | 10 | 40 | — | 40,000 |")
	require.Contains(t, md, "| drain vs the raw SQL ceiling, 100 workers | 10,000 tasks/s | raw SQL loop, batches of 100 on 10 connections: 20,000 tasks/s | 0.50× |")
}

// TestSettingVariantsMeasureTheirOwnDefaults checks that the settings
// figure runs its defaults as a case of its own, alternating with the
// other variants, instead of taking them from the drain table: drainAll
// skips a case already measured, so a shared system would compare the
// variants with runs made earlier.
func TestSettingVariantsMeasureTheirOwnDefaults(t *testing.T) {
	t.Parallel()
	variants := settingVariants(10)
	require.Equal(t, "defaults", variants[0].setting)
	seen := map[string]bool{}
	for _, v := range variants {
		require.NotEqual(t, sysAsynqpg.ID, v.sys.ID, v.setting)
		require.Equal(t, sysAsynqpg.ID, systemGroup(v.sys.ID), v.setting)
		require.False(t, seen[v.sys.ID], "%s: system ID %s used twice", v.setting, v.sys.ID)
		seen[v.sys.ID] = true
	}
}
