// Package observability holds the OpenTelemetry instrumentation every
// asynqpg component records with: the metric instruments (built on
// [asynqpg.NewMetrics]), the span helpers, the trace-context carrier stored
// with each task, and the queue-health gauges.
//
// The fronts record through one hook per operation ([EnqueueTrace],
// [ProcessTrace], [ClientTrace]), started once and ended once with the
// operation's result; the hooks are built on the instruments and span
// helpers.
//
// Applications do not call it to get telemetry: producer, consumer and
// client record through it when given a MeterProvider and a
// TracerProvider (nil means the global ones). Its names are exported so
// dashboards, alerts and tests can refer to them.
//
// # Metrics
//
// Meter (and tracer) name: asynqpg.InstrumentationName.
//
//	name                            kind                   unit    attributes
//	asynqpg.tasks.enqueued          Int64Counter           {task}  task_type
//	asynqpg.tasks.processed         Int64Counter           {task}  task_type, status
//	asynqpg.tasks.errors            Int64Counter           {error} error_type, task_type (when about one type)
//	asynqpg.task.duration           Float64Histogram       s       task_type, status
//	asynqpg.task.enqueue_duration   Float64Histogram       s       task_type (absent for a batch of several types)
//	asynqpg.tasks.in_flight         Int64UpDownCounter     {task}  task_type
//	asynqpg.queue.tasks             Int64ObservableGauge   {task}  task_type, status
//	asynqpg.queue.oldest_ready_age  Float64ObservableGauge s       task_type
//
// Attribute values are bounded: task_type is the task's type; status is
// completed, failed, retried or snoozed on processed and duration (the
// outcome an attempt gives its task), and pending, running, failed or
// cancelled on asynqpg.queue.tasks (the task's status in the table);
// error_type is handler_error (a handler returned an error that spends an
// attempt, panicked or timed out) or db_error (a statement failed). No
// task ID, payload or error text is ever a metric attribute.
//
// When they are recorded:
//
//   - enqueued: once per task created, by Enqueue and by EnqueueMany
//     (counted per type); a duplicate is not counted.
//   - enqueue_duration: once per enqueue statement that ran (a duplicate
//     included), from the producer's clock.
//   - in_flight: +1 when a handler starts, -1 when it returns; back to 0
//     once a consumer has stopped.
//   - processed and duration: once per attempt whose handler returned,
//     before its outcome is written: an outcome visible in the database
//     has been counted. An attempt whose task was cancelled, deleted or
//     claimed again while it ran, or that a shutdown interrupted, has no
//     outcome and is not counted.
//   - errors: handler_error with the attempt; db_error for a failed claim
//     (with task_type), a failed enqueue (with task_type, when the batch
//     has one), a failed write of a batch of outcomes, a failed check for
//     cancellations and a failed queue-health reading (without task_type).
//
// # Queue health
//
// asynqpg.queue.tasks and asynqpg.queue.oldest_ready_age are reported by
// the consumer that holds the leadership (so one process reports the
// queue, and a sum over instances is right), unless
// consumer.Config.DisableQueueHealth is set. They are computed on
// collection, at most once per consumer.Config.QueueHealthInterval
// (default 15s), by one statement for every type and status; with no
// metric reader the table is never read. Completed tasks are not counted:
// they are the bulk of a table that retains them, and counting them would
// read all of it every period; their rate is
// asynqpg.tasks.processed{status="completed"}. The cost of a reading grows
// with the pending, running, failed and cancelled rows only.
//
// # Traces
//
//	span                  kind      attributes
//	asynqpg.enqueue       Producer  messaging.system=asynqpg, messaging.operation.type=send,
//	                                messaging.operation.name=enqueue, messaging.destination.name,
//	                                task_type, then messaging.message.id, task_id
//	asynqpg.enqueue_many  Producer  messaging.system, messaging.operation.type=send,
//	                                messaging.operation.name=enqueue_many, messaging.batch.message_count,
//	                                messaging.destination.name and task_type (when of one type), asynqpg.enqueued
//	asynqpg.process       Consumer  messaging.system, messaging.operation.type=process,
//	                                messaging.operation.name=process, messaging.destination.name,
//	                                messaging.message.id, task_type, task_id, asynqpg.task.attempt,
//	                                then status
//	asynqpg.get_task, asynqpg.list_tasks, asynqpg.cancel_task, asynqpg.retry_task, asynqpg.delete_task
//	                      Client    messaging.system, task_id (not on list), task_type on success
//
// messaging.destination.name is the task type and messaging.message.id the
// task ID, following the OpenTelemetry messaging semantic conventions.
// A failed operation records the error and sets the Error status; a failed
// attempt also sets error.type=handler_error, and a failed enqueue
// statement error.type=db_error. A duplicate enqueue is no error (it sets
// asynqpg.duplicate=true).
//
// The enqueuer's span context is stored with the task (column
// trace_context, the W3C traceparent and tracestate as a JSON object,
// encoded with the W3C propagator itself, not the global one). Every
// asynqpg.process span of the task is a child of the asynqpg.enqueue (or
// asynqpg.enqueue_many) span that created it and links to it, so one trace
// follows a task from the request that enqueued it to every attempt,
// across processes. The handler's context carries the process span.
//
// # Logs
//
// Components log through their configured *slog.Logger. Every line about
// one task carries task_id and task_type; no line carries a payload.
//
// # Cost without a provider
//
// With no MeterProvider and TracerProvider configured (and none installed
// globally), the instruments are the OpenTelemetry no-op ones: attribute
// sets are built once per task type, spans are not recording, and nothing
// else is done per task. BenchmarkProcess* and BenchmarkEnqueue* measure
// it; see docs/observability/README.md.
package observability
