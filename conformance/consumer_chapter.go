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
	if d.SkipConsumer {
		// A transaction entry: a consumer needs a Pool, which the
		// entry's pool-based sibling covers.
		return
	}
	t.Run("RunsTasks", func(t *testing.T) { testConsumerRunsTasks(t, d) })
	t.Run("RetriesThenSucceeds", func(t *testing.T) { testConsumerRetriesThenSucceeds(t, d) })
	t.Run("Exhaustion", func(t *testing.T) { testConsumerExhaustion(t, d) })
	t.Run("SkipRetry", func(t *testing.T) { testConsumerSkipRetry(t, d) })
	t.Run("Panic", func(t *testing.T) { testConsumerPanic(t, d) })
	t.Run("Snooze", func(t *testing.T) { testConsumerSnooze(t, d) })
	t.Run("SnoozeWithError", func(t *testing.T) { testConsumerSnoozeWithError(t, d) })
	t.Run("Timeout", func(t *testing.T) { testConsumerTimeout(t, d) })
	t.Run("DelayAndProcessAt", func(t *testing.T) { testConsumerDelayAndProcessAt(t, d) })
	t.Run("WakesOnNotification", func(t *testing.T) { testConsumerWakesOnNotification(t, d) })
	t.Run("CancelRunning", func(t *testing.T) { testConsumerCancelRunning(t, d) })
	t.Run("StaleOwner", func(t *testing.T) { testConsumerStaleOwner(t, d) })
	t.Run("ExactlyOnce", func(t *testing.T) { testConsumerExactlyOnce(t, d) })
	t.Run("ExpiredLease", func(t *testing.T) { testConsumerExpiredLease(t, d) })
	t.Run("LostLastAttempt", func(t *testing.T) { testConsumerLostLastAttempt(t, d) })
	t.Run("GracefulStop", func(t *testing.T) { testConsumerGracefulStop(t, d) })
	t.Run("Middleware", func(t *testing.T) { testConsumerMiddleware(t, d) })
	t.Run("Config", func(t *testing.T) { testConsumerConfig(t, d) })
}

// completers are the two ways of writing outcomes.
var completers = []struct {
	name    string
	disable bool
}{
	{name: "batch"},
	{name: "sync", disable: true},
}
