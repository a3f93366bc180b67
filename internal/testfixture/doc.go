// Package testfixture holds what the tests of several packages build on:
// an Executor that counts what runs through it, and reads of the tasks
// table by status. It is imported by tests and by the conformance suite.
package testfixture
