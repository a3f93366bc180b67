// Package consumer processes asynqpg tasks.
//
// A Consumer claims the ready tasks of the types it has handlers for,
// runs each on a worker pool of its type, and records the outcome:
//
//	c, err := consumer.New(consumer.Config{Pool: db})
//	...
//	err = c.RegisterTaskHandler("email:send", consumer.TaskHandlerFunc(
//		func(ctx context.Context, task *asynqpg.TaskInfo) error {
//			return send(ctx, task.Payload)
//		}), consumer.WithWorkersCount(20), consumer.WithTimeout(time.Minute))
//	...
//	err = c.Start()
//	...
//	err = c.Stop()
//
// # Claiming
//
// Each task type claims, in one statement, as many ready tasks as it has
// free workers (SELECT … FOR NO KEY UPDATE SKIP LOCKED, so consumers
// sharing a database never claim the same task). A claimed task is
// running, with a lease of the type's timeout plus a safety margin (5s),
// computed by the database clock. After a claim that filled every free
// worker the type claims again as soon as workers are free (up to two
// claims of a type run at once, each for the workers free when it began,
// so workers need not wait for the other claim's round trip); otherwise it
// waits for a notification of a new task of its type (where the Pool's
// adapter can LISTEN: pgx, and database/sql over pgx's stdlib or lib/pq,
// which includes sqlx and bun on those) or for Config.FetchInterval,
// whichever comes first. Tasks that become ready
// by time (Delay, ProcessAt, retries, snoozes) are found by that poll.
//
// A running task whose lease has passed is presumed abandoned by a dead
// consumer: it is claimed again, and the lost attempt counts as a failed
// one (when it was the last attempt, the rescuer fails the task instead:
// the leader's, or with Config.DisableMaintenance this consumer's own).
//
// # Outcomes
//
// The handler's context carries the task's metadata (asynqpg.GetTaskID,
// GetRetryCount — the attempts made before this one —, GetMaxRetry — the
// attempts elapsed plus those left —, GetCreatedAt) and ends at the type's
// timeout, counted from the claim (its error is then
// context.DeadlineExceeded). What the handler returns decides what happens
// to the task:
//
//	nil                              completed
//	asynqpg.TaskSnooze(d)            pending again after d; attempts unchanged, no message
//	asynqpg.TaskSnoozeWithError(d)   a failed attempt; pending again after d, or failed when none is left
//	asynqpg.ErrSkipRetry (wrapped)   a failed attempt; failed at once
//	a panic                          a failed attempt; failed at once (the message holds the panic and its stack)
//	the timeout passing              a failed attempt, retried like any error (the message says timeout)
//	any other error                  a failed attempt; pending again after RetryPolicy.NextRetry(n), or failed when none is left
//
// Every failed attempt decrements attempts_left, increments
// attempts_elapsed and appends its message; n is the number of the retry
// (1 for the first). A task enqueued with MaxRetry n that always fails
// ends failed with attempts_left 0 and attempts_elapsed n.
// Config.ErrorHandler is called once for every task that fails, after the
// failure was recorded.
//
// Every outcome is written guarded by the attempt that owns the task (its
// ID and claim time): an attempt whose task was cancelled, deleted, or
// claimed again after its lease passed changes nothing. By default the
// outcomes of a task type are written in batches, by the same statement
// that claims the type's next tasks: the workers they free are filled at
// once, and a worker takes its next task only once its last outcome is
// written, so a consumer never holds more unfinished tasks than it has
// workers. Config.DisableBatchCompleter writes each outcome with its own
// statement instead. A failed write is retried with backoff.
//
// # Cancellation
//
// A task cancelled with client.CancelTask while it runs has its handler's
// context cancelled (context.Canceled): at once where the driver can
// LISTEN, and within Config.CancelCheckInterval in any case (the running
// attempts are checked by polling, which also notices deletions and lost
// leases). The task stays cancelled whatever the handler returns.
//
// # Shutdown
//
// Stop (or Shutdown with a timeout of its own) stops claiming, lets the
// running handlers finish until the timeout, then cancels their contexts
// and waits a few seconds more for them to return. Outcomes waiting to be
// written are written; tasks whose handlers did not finish are given back
// (pending and ready at once, no attempt counted). Nothing claimed is lost:
// a task whose outcome cannot be written because the database is gone
// runs again when its lease passes.
//
// # Heartbeats
//
// A started consumer records itself in the database with the task types
// it serves and their workers, and renews that record every
// Config.HeartbeatInterval; Shutdown removes it. client.ListConsumers
// lists the consumers whose last heartbeat is younger than three
// intervals, and client.ListUnservedTaskTypes the task types whose ready
// tasks no live consumer serves (a type mistyped when enqueueing, say).
//
// # Maintenance
//
// Unless Config.DisableMaintenance is set, the consumers sharing a
// database elect one leader, which every Config.JanitorInterval returns
// tasks stuck in running past their lease by more than
// Config.StuckThreshold to pending (or fails them when no attempt is left)
// and deletes finalized tasks older than their retention.
//
// # Periodic tasks
//
// RegisterPeriodicTask registers a task enqueued on a schedule (a cron
// expression, a descriptor such as @hourly, or "@every 30s"). The leader
// enqueues it; each instant of a name is enqueued at most once per
// database, whichever consumer leads. Register the same periodic tasks
// on every consumer that may lead. Periodic tasks need the leader
// election, so a consumer with Config.DisableMaintenance refuses them.
package consumer
