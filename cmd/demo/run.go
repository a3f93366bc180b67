package main

import "context"
import "errors"
import "fmt"
import "io"
import "log/slog"
import "os"
import "time"

import "github.com/jackc/pgx/v5/pgxpool"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/consumer"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
import "github.com/yakser/asynqpg/producer"

// run prints the legend, sets up the database, serves the dashboard,
// enqueues and processes the workload, and prints the summary, all to out.
// With opts.serve it then serves the dashboard until ctx ends.
func run(ctx context.Context, out io.Writer, opts options) error {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()

	w := newWorkload()
	if err := printLegend(out, w.tasks()); err != nil {
		return err
	}

	url, release, err := database(ctx, out)
	if err != nil {
		return err
	}
	defer release()

	pgxPool, err := pgxpool.New(ctx, url)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer pgxPool.Close()
	pool := pgxv5driver.New(pgxPool)
	// Only errors are logged: the progress line and the summary tell the rest.
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))

	var dash *dashboard
	if opts.listen != "" {
		if dash, err = startDashboard(pool, opts, logger, out); err != nil {
			return err
		}
		defer dash.close()
	}

	prod, err := producer.New(producer.Config{Pool: pool, Logger: logger})
	if err != nil {
		return err
	}
	cl, err := client.New(client.Config{Pool: pool, Logger: logger})
	if err != nil {
		return err
	}
	if err := w.pause.pause(ctx, cl); err != nil {
		return fmt.Errorf("pause %s: %w", typeNewsletter, err)
	}
	defer w.pause.release(cl)
	fmt.Fprintf(out, "paused %s: its tasks are enqueued as usual, and wait\n", typeNewsletter)

	tasks := w.tasks()
	ids, err := prod.EnqueueMany(ctx, tasks)
	if err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	fmt.Fprintf(out, "enqueued %d tasks of %d types in one statement\n", len(ids), len(countTypes(tasks)))
	if _, err := prod.Enqueue(ctx, asynqpg.NewTask(typeTranscode, []byte(`{}`), asynqpg.WithIdempotencyToken("transcode-42"))); err != nil {
		fmt.Fprintf(out, "enqueue again with the same idempotency token: %v\n", err)
	}

	cons, err := consumer.New(consumer.Config{
		Pool:                pool,
		Logger:              logger,
		RetryPolicy:         &asynqpg.ConstantRetryPolicy{Delay: 500 * time.Millisecond},
		FetchInterval:       250 * time.Millisecond,
		CancelCheckInterval: 500 * time.Millisecond,
		ShutdownTimeout:     5 * time.Second,
	})
	if err != nil {
		return err
	}
	if err := w.register(cons); err != nil {
		return err
	}
	if err := cons.Start(); err != nil {
		return err
	}
	defer func() { _ = cons.Stop() }()
	stopSampling := w.limit.startSampling(ctx, cl)
	defer stopSampling()

	took, err := process(ctx, out, w, cl)
	if err != nil {
		return err
	}
	if err := cons.Stop(); err != nil {
		return fmt.Errorf("stop consumer: %w", err)
	}
	stopSampling()
	fmt.Fprintf(out, "all tasks settled in %s\n\n", took.Round(time.Millisecond))
	if err := report(ctx, out, w, cl); err != nil {
		return err
	}
	return keepServing(parent, out, dash, opts)
}

// process waits until the workload settled, cancelling the long task once
// it runs and resuming the paused type after pauseFor, and prints the
// progress. It returns how long that took.
func process(ctx context.Context, out io.Writer, w *workload, cl *client.Client) (time.Duration, error) {
	start := time.Now()
	progress := newProgress(out)
	defer progress.done()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	resume := time.NewTimer(pauseFor)
	defer resume.Stop()
	cancelled := false
	for {
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return 0, fmt.Errorf("workload did not finish within %s: %w", deadline, ctx.Err())
			}
			return 0, fmt.Errorf("interrupted before the workload finished: %w", ctx.Err())
		case id := <-w.started:
			if _, err := cl.CancelTask(ctx, id); err != nil {
				return 0, fmt.Errorf("cancel task %d: %w", id, err)
			}
			cancelled = true
			progress.note(fmt.Sprintf("cancelled running task %d (%s)", id, typeTranscode))
		case <-resume.C:
			if err := w.pause.resume(ctx, cl, start); err != nil {
				return 0, fmt.Errorf("resume %s: %w", typeNewsletter, err)
			}
			progress.note(w.pause.note())
		case <-tick.C:
			counts, err := countByStatus(ctx, cl)
			if err != nil {
				return 0, err
			}
			progress.update(time.Since(start), counts)
			if cancelled && w.sched.settled() && w.pause.resumed() &&
				counts[asynqpg.TaskStatusPending] == 0 && counts[asynqpg.TaskStatusRunning] == 0 {
				return time.Since(start), nil
			}
		}
	}
}

// report prints the summary table and what the scheduling features did.
func report(ctx context.Context, out io.Writer, w *workload, cl *client.Client) error {
	if err := summary(ctx, out, cl); err != nil {
		return err
	}
	if err := w.sched.report(out); err != nil {
		return err
	}
	if err := w.limit.report(out); err != nil {
		return err
	}
	return w.pause.report(out)
}

// keepServing serves the dashboard after the summary until ctx ends when
// asked to, and otherwise says how to.
func keepServing(ctx context.Context, out io.Writer, dash *dashboard, opts options) error {
	if dash == nil {
		return nil
	}
	if !opts.serve {
		_, err := fmt.Fprintf(out, "\ndashboard: stopped with the demo; to keep it up after the summary, run\n"+
			"  make demo SERVE=1   (or: go run ./cmd/demo -serve)\n")
		return err
	}
	fmt.Fprintf(out, "\ndashboard: still serving %s; press Ctrl+C to stop\n", dash.url)
	if err := dash.wait(ctx); err != nil {
		return err
	}
	_, err := fmt.Fprintln(out, "dashboard: stopped")
	return err
}
