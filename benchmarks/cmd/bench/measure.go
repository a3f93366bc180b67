package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/yakser/asynqpg/benchmarks/internal/harness"
)

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
