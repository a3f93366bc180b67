package startstop_test

import "context"
import "errors"
import "sync"
import "sync/atomic"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/internal/startstop"

// waitClosed fails the test unless ch is closed within a second.
func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(time.Second):
		t.Fatalf("%s: not closed within a second", what)
	}
}

// requireOpen fails the test if ch is closed.
func requireOpen(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
		t.Fatalf("%s: closed", what)
	default:
	}
}

// blockUntilDone is a run that waits for its context and records the
// cause it ended with.
func blockUntilDone(cause *atomic.Value) func(ctx context.Context) {
	return func(ctx context.Context) {
		<-ctx.Done()
		cause.Store(context.Cause(ctx))
	}
}

func TestStartStop(t *testing.T) {
	t.Parallel()
	var b startstop.Base
	waitClosed(t, b.Stopped(), "Stopped before Start")
	requireOpen(t, b.Started(), "Started before Start")
	b.Stop() // before Start: nothing to do

	var cause atomic.Value
	require.True(t, b.Start(context.Background(), blockUntilDone(&cause)))
	waitClosed(t, b.Started(), "Started after Start")
	requireOpen(t, b.Stopped(), "Stopped while running")
	require.True(t, b.Running())
	require.False(t, b.Start(context.Background(), blockUntilDone(&cause)), "second Start while running")

	b.Stop()
	require.False(t, b.Running())
	waitClosed(t, b.Stopped(), "Stopped after Stop")
	require.ErrorIs(t, cause.Load().(error), startstop.ErrStop)
	b.Stop() // twice: nothing to do
}

func TestRestart(t *testing.T) {
	t.Parallel()
	var b startstop.Base
	var runs atomic.Int64
	for i := range 3 {
		var cause atomic.Value
		require.True(t, b.Start(context.Background(), func(ctx context.Context) {
			runs.Add(1)
			blockUntilDone(&cause)(ctx)
		}), "start %d", i)
		b.Stop()
		require.ErrorIs(t, cause.Load().(error), startstop.ErrStop)
	}
	require.Equal(t, int64(3), runs.Load())
}

func TestParentContextEnds(t *testing.T) {
	t.Parallel()
	var b startstop.Base
	ctx, cancel := context.WithCancel(context.Background())
	var cause atomic.Value
	require.True(t, b.Start(ctx, blockUntilDone(&cause)))
	stopped := b.Stopped()
	cancel()
	waitClosed(t, stopped, "Stopped after the parent ended")
	require.False(t, b.Running())
	err := cause.Load().(error)
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, errors.Is(err, startstop.ErrStop))
	b.Stop()
}

func TestRunReturnsByItself(t *testing.T) {
	t.Parallel()
	var b startstop.Base
	require.True(t, b.Start(context.Background(), func(context.Context) {}))
	waitClosed(t, b.Stopped(), "Stopped after the run returned")
	require.False(t, b.Running())
	requireOpen(t, b.Started(), "Started after the run returned")
	b.Stop()
}

// TestConcurrent starts and stops one Base from many goroutines at once;
// run under -race. Every run that started also ended, and no two ran at
// the same time.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	var b startstop.Base
	var inRun, started, ended atomic.Int64
	run := func(ctx context.Context) {
		if inRun.Add(1) != 1 {
			t.Error("two runs at once")
		}
		started.Add(1)
		<-ctx.Done()
		inRun.Add(-1)
		ended.Add(1)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				b.Start(context.Background(), run)
				b.Stop()
				<-b.Stopped()
			}
		})
	}
	wg.Wait()
	b.Stop()
	require.Positive(t, started.Load())
	require.Equal(t, started.Load(), ended.Load())
}
