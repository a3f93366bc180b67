// Package asynqpgtest helps the tests of code that enqueues or handles
// asynqpg tasks.
//
// [RequireEnqueued], [RequireNotEnqueued] and [RequireManyEnqueued] check
// the tasks in the database through any [asynqpg.Querier], a transaction
// not yet committed included, so a test can check what the code under
// test enqueued inside its own transaction. A failed check reports the
// tasks it found instead.
//
// [Work] runs a [consumer.TaskHandler] in-process, without a database, the
// way a consumer runs an attempt, and reports the outcome the consumer
// would record.
package asynqpgtest
