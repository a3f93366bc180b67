// Command asynqpg inspects and manages an asynqpg database: it migrates the
// schema, shows statistics and tasks, retries, cancels and deletes tasks,
// pauses and resumes task types, serves the dashboard and measures
// throughput.
//
// Install it with
//
//	go install github.com/yakser/asynqpg/cmd/asynqpg@latest
//
// and run "asynqpg --help" for the list of commands. The database comes
// from --database-url or the DATABASE_URL environment variable. The exit
// status is 0 on success, 1 when the command failed (one line on standard
// error says why) and 2 on bad usage.
package main

import "context"
import "os"
import "os/signal"
import "syscall"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
