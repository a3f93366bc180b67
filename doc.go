// Package asynqpg is a task queue for Go whose only infrastructure is
// PostgreSQL.
//
// Producers insert tasks as rows; consumers claim them with
// SELECT … FOR NO KEY UPDATE SKIP LOCKED, run a handler and record the
// outcome. Because a task is a row, it can be enqueued inside the caller's
// own database transaction: the task exists if and only if the business
// change commits.
//
// This root package holds the types shared by every component:
//
//   - Task and its options (NewTask, WithDelay, WithMaxRetry,
//     WithIdempotencyToken) describe work to enqueue.
//   - TaskInfo and TaskStatus describe a task stored in the database.
//   - ErrSkipRetry, TaskSnooze and TaskSnoozeWithError let handlers steer
//     retries; ErrorHandler observes permanent failures.
//   - RetryPolicy, DefaultRetryPolicy and ConstantRetryPolicy decide when a
//     failed task runs again.
//   - TaskMetadata and its context helpers expose the running task to
//     handlers.
//   - Querier and Pool abstract the database handle; WrapStdDB adapts a
//     plain *sql.DB.
//   - Metrics and NewTracer provide OpenTelemetry instrumentation.
//
// The public fronts live in sub-packages: producer enqueues tasks, consumer
// claims and processes them, and client inspects and manages them (get,
// list, cancel, retry, delete). Database access goes through drivers:
// driver/sqlx (database/sql and sqlx on lib/pq or pgx stdlib), driver/pgxv5
// (native pgxpool and pgx.Tx) and driver/bun (bun.DB and bun.Tx). The
// schema ships as embedded migrations in package migrate.
package asynqpg
