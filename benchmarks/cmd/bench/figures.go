package main

import "context"
import "errors"
import "fmt"
import "time"

import "github.com/yakser/asynqpg/benchmarks/internal/harness"

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
	var specs []drainSpec
	for _, w := range r.cfg.workers {
		for _, sys := range []harness.System{sysAsynqpg, sysRiverTuned, sysRiverDefault} {
			specs = append(specs, drainSpec{sys: sys, workers: w, tasks: r.cfg.tasks})
		}
	}
	return r.drainAll(ctx, specs)
}

// drivers: asynqpg's drain through sqlx and bun, against pgx.
func (r *runner) drivers(ctx context.Context) error {
	var specs []drainSpec
	for _, sys := range []harness.System{sysAsynqpg, sysAsynqpgSqlx, sysAsynqpgBun} {
		specs = append(specs, drainSpec{sys: sys, workers: r.cfg.workers[0], tasks: r.cfg.tasks})
	}
	return r.drainAll(ctx, specs)
}

// chart: throughput against worker count for asynqpg and River tuned.
func (r *runner) chart(ctx context.Context) error {
	var specs []drainSpec
	for _, w := range r.cfg.chartWorkers {
		for _, sys := range []harness.System{sysAsynqpg, sysRiverTuned} {
			specs = append(specs, drainSpec{sys: sys, workers: w, tasks: r.cfg.tasks})
		}
	}
	return r.drainAll(ctx, specs)
}

// insert: batch insert of cfg.tasks in batches of 1,000.
func (r *runner) insert(ctx context.Context) error {
	var systems []harness.System
	for _, sys := range []harness.System{sysAsynqpg, sysRiverTuned, sysAsynqpgSqlx, sysAsynqpgBun, sysRiverFast} {
		if r.cfg.systems[sys.ID] {
			systems = append(systems, sys)
		}
	}
	runs := map[string][]harness.InsertResult{}
	failed := map[string]error{}
	for range r.cfg.runs {
		for _, sys := range systems {
			if failed[sys.Name] != nil {
				continue
			}
			res, err := undisturbed(r, sys.Name+", batch insert", func() (harness.InsertResult, harness.CPUUsage, error) {
				res, err := r.env.BatchInsert(ctx, sys, r.cfg.tasks)
				return res, res.CPU, err
			})
			if err != nil {
				if ctx.Err() != nil {
					return err
				}
				failed[sys.Name] = fmt.Errorf("%s: %w", sys.Name, err)
				continue
			}
			runs[sys.Name] = append(runs[sys.Name], res)
		}
	}
	var errs []error
	for _, sys := range systems {
		if err := failed[sys.Name]; err != nil {
			errs = append(errs, err)
			continue
		}
		res := r.res.setInsert(sys.Name, runs[sys.Name])
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
		res, err := rawLoop(r, fmt.Sprintf("SQL-only limit, batches of %d", w), func() (harness.DrainResult, error) {
			return r.env.SQLLimit(ctx, r.cfg.tasks, w)
		})
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			errs = append(errs, err)
			continue
		}
		r.res.limits[w] = res
		logf("%-22s %-44s %10.0f tasks/s  (%v, CPU/task: process %.0fµs, database %.0fµs, other %.0fµs)", "SQL-only limit", fmt.Sprintf("%d tasks, batches of %d", res.Tasks, w),
			res.Throughput(), res.Elapsed.Round(time.Millisecond), perTask(res.CPU.Process, res.Tasks), perTask(res.CPU.Database, res.Tasks),
			perTask(res.CPU.Foreign(), res.Tasks))
		if err := r.drainAll(ctx, []drainSpec{{sys: sysAsynqpg, workers: w, tasks: r.cfg.tasks}}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// retained: drains on a table holding cfg.retained finalized rows, next
// to the same drains on an empty table.
func (r *runner) retained(ctx context.Context) error {
	var specs []drainSpec
	for _, sys := range []harness.System{sysAsynqpg, sysRiverTuned} {
		for _, retained := range []int{0, r.cfg.retained} {
			specs = append(specs, drainSpec{sys: sys, workers: r.cfg.workers[0], tasks: r.cfg.tasks, retained: retained})
		}
	}
	return r.drainAll(ctx, specs)
}

// memory: the consumer's peak heap draining a tenth of the backlog and
// the whole backlog.
func (r *runner) memory(ctx context.Context) error {
	var specs []drainSpec
	for _, sys := range []harness.System{sysAsynqpg, sysRiverTuned} {
		for _, n := range []int{r.cfg.tasks / 10, r.cfg.tasks} {
			specs = append(specs, drainSpec{sys: sys, workers: r.cfg.workers[0], tasks: n})
		}
	}
	return r.drainAll(ctx, specs)
}

// settings: asynqpg's drain with one setting changed at a time.
func (r *runner) settings(ctx context.Context) error {
	if !r.cfg.systems[sysAsynqpg.ID] {
		return nil
	}
	var specs []drainSpec
	for _, v := range settingVariants(r.cfg.poolConns) {
		specs = append(specs, drainSpec{sys: v.sys, workers: r.cfg.workers[0], tasks: r.cfg.tasks})
	}
	return r.drainAll(ctx, specs)
}
