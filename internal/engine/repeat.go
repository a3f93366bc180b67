package engine

import "context"
import "time"

import "github.com/yakser/asynqpg/driver"

// repeat calls step once first has passed, and again each time the wait
// step returned has passed or wake receives (wake may be nil), until ctx
// ends.
func repeat(ctx context.Context, first time.Duration, wake <-chan struct{}, step func() (next time.Duration)) {
	timer := time.NewTimer(first)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-wake:
		}
		next := step()
		if ctx.Err() != nil {
			return
		}
		resetTimer(timer, next)
	}
}

// backoff is base doubled for every failure, at most limit; it does not
// overflow whatever its arguments.
func backoff(base time.Duration, failures int, limit time.Duration) time.Duration {
	d := max(base, 1)
	for range min(failures, 62) {
		if d >= limit/2 {
			return limit
		}
		d *= 2
	}
	return min(d, limit)
}

// resetTimer makes t fire after d.
func resetTimer(t *time.Timer, d time.Duration) {
	stopTimer(t)
	t.Reset(d)
}

// stopTimer stops t and drains a firing that was not received.
func stopTimer(t *time.Timer) {
	t.Stop()
	select {
	case <-t.C:
	default:
	}
}

// retryAtOnce reports whether a failed claim or outcome write is tried
// again at once rather than after a back-off: the database ended it as a
// deadlock victim (SQLSTATE 40P01) to let another statement through.
// Nothing is wrong then, however often it happens, and waiting would only
// keep the workers of its outcomes, or those it claims for, idle.
func retryAtOnce(err error) bool {
	return driver.SQLState(err) == driver.CodeDeadlockDetected
}
