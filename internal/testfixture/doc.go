// Package testfixture holds what the tests of several packages build on:
// an Executor that counts what runs through it (counting.go), reads of
// the tasks table by status (status.go), the scan of a query's rows and
// of one column (core_rows.go), a buffer safe for concurrent writes
// (core_buffer.go), the state tables of cancel, retry and delete
// (states.go), and a race of those changes on one task with the checks
// of its results (race.go). It is imported by tests and by the
// conformance suite.
package testfixture
