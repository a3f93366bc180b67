package validate

import "fmt"

import "github.com/yakser/asynqpg"

// Priority checks a task's priority: from asynqpg.MinPriority to
// asynqpg.MaxPriority.
func Priority(p int) error {
	if p < asynqpg.MinPriority || p > asynqpg.MaxPriority {
		return fmt.Errorf("task priority %d is outside the range %d to %d", p, asynqpg.MinPriority, asynqpg.MaxPriority)
	}
	return nil
}

// Count checks a count that must be positive and at most max; what names
// it (e.g. "global concurrency").
func Count(what string, n, max int) error {
	return bounded(what, n, max)
}
