package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/yakser/asynqpg/benchmarks/internal/harness"
)

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
