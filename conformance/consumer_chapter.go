package conformance

import "testing"

// The consumer chapter proves that a consumer on the entry's Pool runs
// tasks with the documented outcomes (success, retries, exhaustion,
// ErrSkipRetry, panics, snoozes, timeouts), respects Delay and ProcessAt,
// wakes on notifications where the entry can LISTEN, cancels running
// handlers, runs every task exactly once across consumers, reclaims
// expired leases, stops gracefully, orders middleware, and rejects bad
// configuration.

// runConsumerChapter runs the consumer chapter against d.
func runConsumerChapter(t *testing.T, d Driver) {
	runSections(t, d, nil, []section{
		{"RunsTasks", testConsumerRunsTasks},
		{"RetriesThenSucceeds", testConsumerRetriesThenSucceeds},
		{"Exhaustion", testConsumerExhaustion},
		{"SkipRetry", testConsumerSkipRetry},
		{"Panic", testConsumerPanic},
		{"Snooze", testConsumerSnooze},
		{"SnoozeWithError", testConsumerSnoozeWithError},
		{"Timeout", testConsumerTimeout},
		{"DelayAndProcessAt", testConsumerDelayAndProcessAt},
		{"WakesOnNotification", testConsumerWakesOnNotification},
		{"CancelRunning", testConsumerCancelRunning},
		{"StaleOwner", testConsumerStaleOwner},
		{"ExactlyOnce", testConsumerExactlyOnce},
		{"ExpiredLease", testConsumerExpiredLease},
		{"LostLastAttempt", testConsumerLostLastAttempt},
		{"GracefulStop", testConsumerGracefulStop},
		{"Middleware", testConsumerMiddleware},
		{"Config", testConsumerConfig},
	})
}

// completers are the two ways of writing outcomes.
var completers = []struct {
	name    string
	disable bool
}{
	{name: "batch"},
	{name: "sync", disable: true},
}
