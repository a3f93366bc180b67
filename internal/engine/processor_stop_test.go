package engine

import "context"
import "sync"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"

func TestProcessorStop(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	quickStarted := make(chan struct{})
	slowStarted := make(chan struct{})
	stuckStarted := make(chan struct{})
	slowCtxErr := make(chan error, 1)
	unstick := make(chan struct{})
	t.Cleanup(func() { close(unstick) })
	p, err := NewProcessor(ProcessorConfig{
		Executor:         pollOnly{b.ex},
		FetchInterval:    50 * time.Millisecond,
		HandlerExitGrace: 500 * time.Millisecond,
		Types: []TypeConfig{
			typeOf("quick", func(ctx context.Context, _ *asynqpg.TaskInfo) error {
				close(quickStarted)
				// A handler busy for a while: the stop must wait for it.
				time.Sleep(300 * time.Millisecond)
				return nil
			}),
			typeOf("slow", func(ctx context.Context, _ *asynqpg.TaskInfo) error {
				close(slowStarted)
				<-ctx.Done()
				slowCtxErr <- ctx.Err()
				return ctx.Err()
			}),
			typeOf("stuck", func(ctx context.Context, _ *asynqpg.TaskInfo) error {
				close(stuckStarted)
				<-unstick // ignores its context
				return nil
			}),
		},
	})
	require.NoError(t, err)
	require.NoError(t, p.Start())
	quick := b.insertReady(t, "quick", 3)
	slow := b.insertReady(t, "slow", 3)
	stuck := b.insertReady(t, "stuck", 3)
	<-quickStarted
	<-slowStarted
	<-stuckStarted

	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() { errs[i] = p.Stop(time.Second) })
	}
	wg.Wait()
	for _, err := range errs {
		require.ErrorContains(t, err, "1 handler(s) did not return")
	}
	require.Equal(t, errs[0], errs[1])
	require.ErrorIs(t, <-slowCtxErr, context.Canceled)

	r := b.row(t, quick)
	require.Equal(t, asynqpg.TaskStatusCompleted, r.Status, "finished within the timeout")
	for _, id := range []int64{slow, stuck} {
		r := b.row(t, id)
		require.Equal(t, asynqpg.TaskStatusPending, r.Status, "given back")
		require.Equal(t, 3, r.AttemptsLeft, "no attempt counted")
		require.Equal(t, 0, r.AttemptsElapsed)
		require.Empty(t, r.Messages)
		require.False(t, r.BlockedTill.After(b.dbNow(t)), "ready at once")
	}
	require.ErrorContains(t, p.Start(), "already stopped")
}

func TestProcessorStopBeforeStart(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	p, err := NewProcessor(ProcessorConfig{Executor: b.ex,
		Types: []TypeConfig{typeOf("x", func(context.Context, *asynqpg.TaskInfo) error { return nil })}})
	require.NoError(t, err)
	require.NoError(t, p.Stop(time.Second))
	require.NoError(t, p.Start())
	require.ErrorContains(t, p.Start(), "already started")
	require.NoError(t, p.Stop(time.Second))
	require.NoError(t, p.Stop(time.Second))
}

func TestProcessorStopOnNil(t *testing.T) {
	t.Parallel()
	var p *Processor // a consumer without handlers has none
	require.NoError(t, p.Stop(time.Second))
	require.NoError(t, p.Stop(0))
}
