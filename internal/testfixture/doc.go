// Package testfixture holds what the tests of several packages build on:
// an Executor that counts what runs through it (counting.go), reads of
// the tasks table by status and by type and the status a consumer would
// leave a task in (status.go), the scan of a query's rows and of one
// column (core_rows.go), a buffer safe for concurrent writes
// (core_buffer.go), the state tables of cancel, retry and delete, their
// run as subtests and the ID of a task that does not exist (states.go),
// a race of those changes on one task with the checks of its results
// (race.go), the times of tasks scattered for the tests of list orders
// (tests_order.go), the plan of a statement (tests_plan.go) and the goleak
// option for a pool's pgx background readers (leaks.go). It is
// imported by tests and by the conformance suite.
package testfixture
