package conformance

import "testing"

import "github.com/yakser/asynqpg/producer"

// The schedule chapter proves scheduling beyond first in, first out
// through the entry: ready tasks of a type are claimed by priority, then
// readiness, then ID, a claim after the cursor of the last one takes the
// later tasks of its priority, and a priority out of range writes nothing; unique
// tasks collide within their window, in single enqueues, transactions and
// batches, and not once the earlier task failed or was cancelled or the
// window changed; periodic tasks enqueue each instant once across a
// change of leader. Transaction entries leave out the parts that need a
// consumer.

// runScheduleChapter runs the schedule chapter against d.
func runScheduleChapter(t *testing.T, d Driver) {
	b := setupAPI(t, d, producer.Config{})
	runSections(t, d, []section{
		{"PriorityRange", b.shared(testSchedulePriorityRange)},
		{"Unique", b.shared(testScheduleUnique)},
		{"ClaimAfterCursor", testScheduleClaimAfterCursor},
	}, []section{
		{"PriorityOrder", testSchedulePriorityOrder},
		{"PeriodicLeaderChange", testSchedulePeriodicLeaderChange},
	})
}
