package main

import "context"
import "crypto/rand"
import "encoding/hex"
import "errors"
import "fmt"
import "io"
import "sync"
import "sync/atomic"
import "time"

import "github.com/spf13/cobra"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/producer"

// Limits of the bench flags.
const (
	maxBenchTasks   = 1_000_000
	maxBenchWorkers = 1000
	// benchChunk is the number of tasks enqueued by one EnqueueMany.
	benchChunk = 1000
	// cleanupTimeout bounds deleting the bench's tasks, also after an
	// interrupt.
	cleanupTimeout = 5 * time.Minute
)

// newBenchCmd builds "bench".
func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure enqueue and processing throughput on the database",
		Long: "bench enqueues N no-op tasks of a task type of its own, processes them with one consumer\n" +
			"of W workers, prints tasks per second for both, and deletes its tasks afterwards.",
		Args: noArgs,
		RunE: action(func(cmd *cobra.Command, _ []string) error {
			n, _ := cmd.Flags().GetInt("count")
			workers, _ := cmd.Flags().GetInt("workers")
			if n < 1 || n > maxBenchTasks {
				return fmt.Errorf("invalid -n %d: want 1 to %d tasks", n, maxBenchTasks)
			}
			if workers < 1 || workers > maxBenchWorkers {
				return fmt.Errorf("invalid -workers %d: want 1 to %d", workers, maxBenchWorkers)
			}
			d, err := connect(cmd)
			if err != nil {
				return err
			}
			defer d.Close()
			return runBench(cmd.Context(), d, cmd.OutOrStdout(), n, workers)
		}),
	}
	cmd.Flags().IntP("count", "n", 1000, "number of tasks")
	cmd.Flags().IntP("workers", "w", 10, "number of workers (also -workers)")
	return cmd
}

// runBench enqueues n tasks, processes them with workers workers, and
// deletes them.
func runBench(ctx context.Context, d *database, out io.Writer, n, workers int) (err error) {
	taskType := "asynqpg-bench-" + randomHex(6)
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if cerr := deleteType(cctx, d, taskType, workers); cerr != nil && err == nil {
			err = fmt.Errorf("delete the bench tasks of type %s: %w", taskType, cerr)
		}
	}()
	fmt.Fprintf(out, "task type %s, %d tasks, %d workers\n", taskType, n, workers)

	elapsed, err := enqueueBench(ctx, d, taskType, n)
	if err != nil {
		return err
	}
	report(out, "enqueued", n, elapsed)

	elapsed, err = drainBench(ctx, d, taskType, n, workers)
	if err != nil {
		return err
	}
	report(out, "processed", n, elapsed)
	return nil
}

// report prints a throughput line.
func report(out io.Writer, what string, n int, d time.Duration) {
	fmt.Fprintf(out, "%-9s %d tasks in %v: %.0f tasks/s\n", what, n, d.Round(time.Millisecond), float64(n)/d.Seconds())
}

// enqueueBench enqueues n empty tasks of taskType in batches.
func enqueueBench(ctx context.Context, d *database, taskType string, n int) (time.Duration, error) {
	p, err := producer.New(producer.Config{Pool: d.pool, Logger: quietLogger()})
	if err != nil {
		return 0, err
	}
	start := time.Now()
	for done := 0; done < n; {
		batch := make([]*asynqpg.Task, min(benchChunk, n-done))
		for i := range batch {
			batch[i] = asynqpg.NewTask(taskType, []byte{})
		}
		if _, err := p.EnqueueMany(ctx, batch); err != nil {
			return 0, fmt.Errorf("enqueue: %w", err)
		}
		done += len(batch)
	}
	return time.Since(start), nil
}

// drainBench processes n tasks of taskType with a consumer of workers
// workers and returns the time from its start until every task was
// handled and recorded.
func drainBench(ctx context.Context, d *database, taskType string, n, workers int) (time.Duration, error) {
	c, err := consumer.New(consumer.Config{
		Pool:               d.pool,
		Logger:             quietLogger(),
		DisableMaintenance: true,
		FetchInterval:      100 * time.Millisecond,
		ShutdownTimeout:    30 * time.Second,
	})
	if err != nil {
		return 0, err
	}
	var handled atomic.Int64
	allHandled := make(chan struct{})
	h := consumer.TaskHandlerFunc(func(context.Context, *asynqpg.TaskInfo) error {
		if handled.Add(1) == int64(n) {
			close(allHandled)
		}
		return nil
	})
	if err := c.RegisterTaskHandler(taskType, h, consumer.WithWorkersCount(workers)); err != nil {
		return 0, err
	}
	start := time.Now()
	if err := c.Start(); err != nil {
		return 0, err
	}
	select {
	case <-allHandled:
	case <-ctx.Done():
	}
	// Stop writes the outcomes still queued, so the time includes them.
	if err := c.Stop(); err != nil {
		return 0, fmt.Errorf("stop the consumer: %w", err)
	}
	elapsed := time.Since(start)
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("interrupted after %d of %d tasks: %w", handled.Load(), n, err)
	}
	cl, err := d.client()
	if err != nil {
		return 0, err
	}
	res, err := cl.ListTasks(ctx, client.NewListParams().Types(taskType).States(asynqpg.TaskStatusCompleted).Limit(1))
	if err != nil {
		return 0, err
	}
	if res.Total != n {
		return 0, fmt.Errorf("only %d of %d tasks completed", res.Total, n)
	}
	return elapsed, nil
}

// deleteType deletes every task of taskType, with workers deletes at a
// time.
func deleteType(ctx context.Context, d *database, taskType string, workers int) error {
	cl, err := d.client()
	if err != nil {
		return err
	}
	for {
		res, err := cl.ListTasks(ctx, client.NewListParams().Types(taskType).Limit(client.MaxListLimit))
		if err != nil {
			return err
		}
		if len(res.Tasks) == 0 {
			return nil
		}
		ids := make(chan int64)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var errs []error
		for range workers {
			wg.Go(func() {
				for id := range ids {
					_, err := cl.DeleteTask(ctx, id)
					if err != nil && !errors.Is(err, client.ErrTaskNotFound) {
						mu.Lock()
						errs = append(errs, fmt.Errorf("task %d: %w", id, err))
						mu.Unlock()
					}
				}
			})
		}
		for _, t := range res.Tasks {
			ids <- t.ID
		}
		close(ids)
		wg.Wait()
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
	}
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
