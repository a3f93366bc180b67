package engine

import (
	"context"
	"time"
)

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
