package main

import "context"
import "errors"
import "fmt"
import "os"
import "time"

import "github.com/yakser/asynqpg/benchmarks/internal/harness"

// drainSpec is one drain case of a figure; retained is the finalized
// rows retained in the table.
type drainSpec struct {
	sys                      harness.System
	workers, tasks, retained int
	// cycle: the drained rows are then deleted, and that is measured
	// (the ceiling figure).
	cycle bool
}

func (s drainSpec) key() drainKey {
	return drainKey{system: s.sys.Name, workers: s.workers, tasks: s.tasks, retained: s.retained}
}

// drainAll runs every case that did not run yet, cfg.runs times, side by
// side: run i of every case before run i+1 of any, so that drift on the
// machine hits all alike. It keeps every run and the median one.
func (r *runner) drainAll(ctx context.Context, specs []drainSpec) error {
	for i := range specs {
		specs[i].cycle = r.cycleCase(specs[i])
	}
	var todo []drainSpec
	seen := map[drainKey]bool{}
	for _, s := range specs {
		k := s.key()
		if _, ok := r.res.drains[k]; ok || seen[k] || !r.cfg.systems[systemGroup(s.sys.ID)] {
			continue
		}
		seen[k] = true
		todo = append(todo, s)
	}
	runs := map[drainKey][]harness.DrainResult{}
	failed := map[drainKey]error{}
	for run := range r.cfg.runs {
		for _, s := range todo {
			k := s.key()
			if failed[k] != nil {
				continue
			}
			res, err := r.drainRun(ctx, s)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				failed[k] = fmt.Errorf("%s, run %d: %w", s.sys.Name, run+1, err)
				continue
			}
			runs[k] = append(runs[k], res)
		}
	}
	var errs []error
	for _, s := range todo {
		k := s.key()
		if err := failed[k]; err != nil {
			errs = append(errs, err)
			continue
		}
		res := r.res.setDrain(k, runs[k])
		what := drainLabel(s.tasks, s.workers, s.retained)
		if len(runs[k]) > 1 {
			what += fmt.Sprintf(", median of %d", len(runs[k]))
		}
		logf("%-22s %-44s %10.0f tasks/s  (%v, peak heap %s, CPU/task: process %.0fµs, database %.0fµs, other %.0fµs; WAL/task %d bytes)", s.sys.Name, what,
			res.Throughput(), res.Elapsed.Round(time.Millisecond), mib(res.Heap.Max), perTask(res.CPU.Process, res.Tasks),
			perTask(res.CPU.Database, res.Tasks), perTask(res.CPU.Foreign(), res.Tasks), res.WALPerTask())
	}
	return errors.Join(errs...)
}

// drainRun runs a drain case once (again while disturbed, see
// undisturbed), with the CPU profile if one is still to be taken.
func (r *runner) drainRun(ctx context.Context, s drainSpec) (harness.DrainResult, error) {
	c := harness.DrainCase{System: s.sys, Tasks: s.tasks, Workers: s.workers, DeleteAfter: s.cycle}
	if s.retained > 0 {
		c.Prepare = harness.RetainFinalized(s.sys, s.retained)
	}
	var profile *os.File
	if r.profile != "" && s.sys.Name == sysAsynqpg.Name && s.retained == 0 {
		f, err := os.Create(r.profile)
		if err != nil {
			return harness.DrainResult{}, err
		}
		profile, c.CPUProfile, r.profile = f, f, ""
	}
	res, err := undisturbed(r, s.sys.Name+", "+drainLabel(s.tasks, s.workers, s.retained), func() (harness.DrainResult, harness.CPUUsage, error) {
		if profile != nil {
			// The profile of the last try is kept.
			if err := resetFile(profile); err != nil {
				return harness.DrainResult{}, harness.CPUUsage{}, err
			}
		}
		res, err := r.env.Drain(ctx, c)
		return res, res.CPU, err
	})
	if profile != nil {
		if cerr := profile.Close(); cerr != nil && err == nil {
			err = cerr
		}
		logf("wrote CPU profile %s", profile.Name())
	}
	if err != nil {
		return res, err
	}
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

// rawLoop runs one loop of raw SQL, undisturbed as a drain is, and names
// it, what, in its error.
func rawLoop(r *runner, what string, run func() (harness.DrainResult, error)) (harness.DrainResult, error) {
	res, err := undisturbed(r, what, func() (harness.DrainResult, harness.CPUUsage, error) {
		res, err := run()
		return res, res.CPU, err
	})
	if err != nil {
		return res, fmt.Errorf("%s: %w", what, err)
	}
	return res, nil
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
