package engine

import "context"
import "errors"
import "sync/atomic"
import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"

// pausesFailing is an Executor that cannot read the paused types while
// failing is set.
type pausesFailing struct {
	driver.Executor
	failing atomic.Bool
	tries   atomic.Int64
}

func (e *pausesFailing) Query(ctx context.Context, sql string, args ...any) (driver.Rows, error) {
	if sql == sqlListPausedTypes {
		e.tries.Add(1)
		if e.failing.Load() {
			return nil, errors.New("the paused types cannot be read")
		}
	}
	return e.Executor.Query(ctx, sql, args...)
}

// TestProcessorHeldUntilPausesLoad checks that a processor claims nothing
// before it knows the paused types, retries reading them, and claims once
// it has.
func TestProcessorHeldUntilPausesLoad(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	id := b.insertReady(t, "held", 3)
	ex := &pausesFailing{Executor: b.ex}
	ex.failing.Store(true)
	testProcessor(t, b, pollOnly{ex}, ProcessorConfig{
		Types: []TypeConfig{typeOf("held", func(context.Context, *asynqpg.TaskInfo) error { return nil })},
	})
	require.Eventually(t, func() bool { return ex.tries.Load() >= 2 }, eventually, tick, "the load is retried")
	require.Equal(t, asynqpg.TaskStatusPending, b.row(t, id).Status, "nothing claimed before the paused types are known")
	ex.failing.Store(false)
	b.waitStatus(t, id, asynqpg.TaskStatusCompleted)
}

// TestPausedTypesOrder checks PausedTypes: byte order of the names, an
// empty slice when none is paused, and no-op pauses and resumes.
func TestPausedTypesOrder(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	ctx := context.Background()
	got, err := PausedTypes(ctx, b.ex)
	require.NoError(t, err)
	require.Equal(t, []string{}, got)
	for _, typ := range []string{"b", "a", "Z", "a"} {
		require.NoError(t, PauseType(ctx, b.ex, typ))
	}
	require.NoError(t, ResumeType(ctx, b.ex, "never"))
	got, err = PausedTypes(ctx, b.ex)
	require.NoError(t, err)
	require.Equal(t, []string{"Z", "a", "b"}, got)
}
