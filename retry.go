package asynqpg

import "math/rand/v2"
import "time"

// defaultMaxRetryDelay is the cap used by DefaultRetryPolicy when
// MaxRetryDelay is not set.
const defaultMaxRetryDelay = 24 * time.Hour

// retryJitter is the relative jitter applied by DefaultRetryPolicy (±10%).
const retryJitter = 0.1

// RetryPolicy determines when a failed task should be retried.
type RetryPolicy interface {
	// NextRetry returns the duration to wait before the next retry attempt.
	// attempt is the number of the upcoming attempt (1-indexed).
	NextRetry(attempt int) time.Duration
}

// DefaultRetryPolicy implements exponential backoff with jitter.
// Formula: attempt^4 seconds with ±10% jitter.
// Examples: 1s, 16s, 81s, 256s, 625s, ...
type DefaultRetryPolicy struct {
	// MaxRetryDelay caps the maximum delay between retries.
	// Default: 24 hours.
	MaxRetryDelay time.Duration
}

// NextRetry returns attempt^4 seconds with ±10% jitter, capped by
// MaxRetryDelay (24 hours when zero or negative). An attempt below 1 is
// treated as 1. The result is never negative.
func (p DefaultRetryPolicy) NextRetry(attempt int) time.Duration {
	maxDelay := defaultMaxRetryDelay
	if p.MaxRetryDelay > 0 {
		maxDelay = p.MaxRetryDelay
	}
	if attempt < 1 {
		attempt = 1
	}

	// Compute in float64 seconds: attempt^4 cannot overflow a float64 for any
	// int, and the comparison against the cap happens before converting back
	// to a time.Duration, so huge attempts never overflow int64.
	a := float64(attempt)
	base := a * a * a * a
	jitter := 1 - retryJitter + rand.Float64()*2*retryJitter // [0.9, 1.1)
	seconds := base * jitter

	maxSeconds := maxDelay.Seconds()
	if seconds >= maxSeconds {
		return maxDelay
	}
	d := time.Duration(seconds * float64(time.Second))
	if d < 0 {
		return 0
	}
	return d
}

// ConstantRetryPolicy always returns the same delay.
// Useful for testing or specific use cases.
type ConstantRetryPolicy struct {
	// Delay is returned for every attempt.
	Delay time.Duration
}

// NextRetry returns p.Delay regardless of attempt.
func (p ConstantRetryPolicy) NextRetry(_ int) time.Duration {
	return p.Delay
}

// Compile-time checks that the policies, by value and by pointer, implement
// RetryPolicy.
var (
	_ RetryPolicy = DefaultRetryPolicy{}
	_ RetryPolicy = (*DefaultRetryPolicy)(nil)
	_ RetryPolicy = ConstantRetryPolicy{}
	_ RetryPolicy = (*ConstantRetryPolicy)(nil)
)
