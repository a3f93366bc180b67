package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/client"
	"github.com/yakser/asynqpg/consumer"
	pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
	"github.com/yakser/asynqpg/producer"
)

var statuses = []asynqpg.TaskStatus{
	asynqpg.TaskStatusPending, asynqpg.TaskStatusRunning, asynqpg.TaskStatusCompleted,
	asynqpg.TaskStatusFailed, asynqpg.TaskStatusCancelled,
}

// run prints the legend, sets up the database, enqueues and processes the
// workload, and prints the summary, all to out.
func run(ctx context.Context, out io.Writer) error {
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

	prod, err := producer.New(producer.Config{Pool: pool, Logger: logger})
	if err != nil {
		return err
	}
	cl, err := client.New(client.Config{Pool: pool, Logger: logger})
	if err != nil {
		return err
	}

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

	start := time.Now()
	progress := newProgress(out)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	cancelled := false
	for {
		select {
		case <-ctx.Done():
			progress.done()
			return fmt.Errorf("workload did not finish within %s: %w", deadline, ctx.Err())
		case id := <-w.started:
			if _, err := cl.CancelTask(ctx, id); err != nil {
				return fmt.Errorf("cancel task %d: %w", id, err)
			}
			cancelled = true
			progress.note(fmt.Sprintf("cancelled running task %d (%s)", id, typeTranscode))
		case <-tick.C:
			counts, err := countByStatus(ctx, cl)
			if err != nil {
				return err
			}
			progress.update(time.Since(start), counts)
			if cancelled && w.sched.settled() &&
				counts[asynqpg.TaskStatusPending] == 0 && counts[asynqpg.TaskStatusRunning] == 0 {
				progress.done()
				if err := cons.Stop(); err != nil {
					return fmt.Errorf("stop consumer: %w", err)
				}
				fmt.Fprintf(out, "all tasks settled in %s\n\n", time.Since(start).Round(time.Millisecond))
				if err := summary(ctx, out, cl); err != nil {
					return err
				}
				return w.sched.report(out)
			}
		}
	}
}

// countByStatus counts tasks per status through the client API.
func countByStatus(ctx context.Context, cl *client.Client) (map[asynqpg.TaskStatus]int, error) {
	counts := make(map[asynqpg.TaskStatus]int, len(statuses))
	for _, s := range statuses {
		res, err := cl.ListTasks(ctx, client.NewListParams().States(s).Limit(1))
		if err != nil {
			return nil, fmt.Errorf("list %s tasks: %w", s, err)
		}
		counts[s] = res.Total
	}
	return counts, nil
}

// summary prints a table of tasks by type and status, and one failed
// task's messages.
func summary(ctx context.Context, out io.Writer, cl *client.Client) error {
	res, err := cl.ListTasks(ctx, client.NewListParams().Limit(10000))
	if err != nil {
		return fmt.Errorf("list tasks: %w", err)
	}
	table := map[string]map[asynqpg.TaskStatus]int{}
	var failed *client.TaskInfo
	for _, t := range res.Tasks {
		if table[t.Type] == nil {
			table[t.Type] = map[asynqpg.TaskStatus]int{}
		}
		table[t.Type][t.Status]++
		if t.Status == asynqpg.TaskStatusFailed && t.Type == typePayment && failed == nil {
			failed = t
		}
	}
	types := make([]string, 0, len(table))
	for typ := range table {
		types = append(types, typ)
	}
	sort.Strings(types)

	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := []string{"type"}
	for _, s := range statuses {
		header = append(header, string(s))
	}
	fmt.Fprintln(tw, strings.Join(append(header, "total"), "\t")+"\t")
	totals := map[asynqpg.TaskStatus]int{}
	for _, typ := range types {
		row := []string{typ}
		sum := 0
		for _, s := range statuses {
			n := table[typ][s]
			totals[s] += n
			sum += n
			row = append(row, fmt.Sprint(n))
		}
		fmt.Fprintln(tw, strings.Join(append(row, fmt.Sprint(sum)), "\t")+"\t")
	}
	row := []string{"all"}
	for _, s := range statuses {
		row = append(row, fmt.Sprint(totals[s]))
	}
	fmt.Fprintln(tw, strings.Join(append(row, fmt.Sprint(len(res.Tasks))), "\t")+"\t")
	if err := tw.Flush(); err != nil {
		return err
	}
	if failed != nil {
		fmt.Fprintf(out, "\ntask %d (%s) failed after %d attempts: %s\n",
			failed.ID, failed.Type, failed.AttemptsElapsed, strings.Join(failed.Messages, "; "))
	}
	return nil
}

// progress prints a live status line: rewritten in place on a terminal,
// one line a second otherwise.
type progress struct {
	out      io.Writer
	terminal bool
	last     time.Time
}

func newProgress(out io.Writer) *progress {
	p := &progress{out: out}
	if f, ok := out.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

func (p *progress) update(elapsed time.Duration, c map[asynqpg.TaskStatus]int) {
	line := fmt.Sprintf("[%5.1fs] pending %3d  running %3d  completed %3d  failed %3d  cancelled %3d",
		elapsed.Seconds(), c[asynqpg.TaskStatusPending], c[asynqpg.TaskStatusRunning],
		c[asynqpg.TaskStatusCompleted], c[asynqpg.TaskStatusFailed], c[asynqpg.TaskStatusCancelled])
	if p.terminal {
		fmt.Fprint(p.out, "\r"+line)
		return
	}
	if time.Since(p.last) >= time.Second {
		p.last = time.Now()
		fmt.Fprintln(p.out, line)
	}
}

func (p *progress) note(msg string) {
	if p.terminal {
		fmt.Fprint(p.out, "\r\033[K")
	}
	fmt.Fprintln(p.out, msg)
}

func (p *progress) done() {
	if p.terminal {
		fmt.Fprintln(p.out)
	}
}
