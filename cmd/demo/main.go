// Command demo runs asynqpg end to end on a real PostgreSQL: it migrates a
// fresh database, enqueues a mixed workload (several task types, delayed
// tasks, tasks that fail and retry, tasks that snooze, one cancelled while it
// runs, a lane where tasks of high priority overtake a backlog), processes
// it with a consumer that also enqueues a periodic task while it leads,
// printing a live progress line, and ends with a summary table of tasks by
// type and status and what the priority lane and the periodic task did.
//
// It also demonstrates a global concurrency limit (a type whose running
// count never passes its limit, sampled from the database) and pausing (a
// type paused for a moment, whose tasks wait, then resumed).
//
// While it runs it serves the dashboard (package ui) on 127.0.0.1:8080, or
// on a free port when that one is taken, and prints its URL first:
//
//	-listen host:port   where to serve it; "" or off: not at all
//	-serve              keep serving it after the summary, until interrupted
//	-basic-auth u:p     protect it; required when -listen is not loopback
//
// It finds its database like the tests do: DATABASE_URL when set, else a
// server on 127.0.0.1:5432, else a throw-away cluster started from the
// PostgreSQL binaries on the machine.
package main

import "context"
import "errors"
import "flag"
import "fmt"
import "os"
import "os/signal"
import "time"

func main() {
	opts, err := parseOptions(os.Args[1:], os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return
	case err != nil:
		fmt.Fprintf(os.Stderr, "demo: %v\n(go run ./cmd/demo -h lists the flags)\n", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, opts); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// deadline bounds the whole demo, so it never hangs.
const deadline = 2 * time.Minute
