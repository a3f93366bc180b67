package testfixture

import "errors"
import "sort"
import "sync"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"

// ChangeResult is what one call of a cancel, a retry or a delete of a task
// returned.
type ChangeResult struct {
	// Op is "cancel", "retry" or "delete".
	Op string
	// Err is the call's error.
	Err error
	// Status, FinalizedAt and AttemptsLeft are those of the task the call
	// returned, when Err is nil.
	Status       asynqpg.TaskStatus
	FinalizedAt  *time.Time
	AttemptsLeft int
}

// ChangeErrors are the errors of the front under test that a raced change
// may return.
type ChangeErrors struct {
	// NotFound is returned for a task that does not exist (any more).
	NotFound error
	// AlreadyAvailable is returned by a retry of a pending task.
	AlreadyAvailable error
}

// RaceChanges calls each change perOp times, all at once, and returns
// what every call returned, its Op set to the change's name.
func RaceChanges(perOp int, changes map[string]func() ChangeResult) []ChangeResult {
	names := make([]string, 0, len(changes))
	for name := range changes {
		names = append(names, name)
	}
	sort.Strings(names)
	results := make([]ChangeResult, len(names)*perOp)
	AtOnce(len(results), func(i int) {
		name := names[i/perOp]
		r := changes[name]()
		r.Op = name
		results[i] = r
	})
	return results
}

// AtOnce calls call(0) to call(n-1), each on its own goroutine, released
// together once all are started, and returns when every call has.
func AtOnce(n int, call func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			call(i)
		})
	}
	close(start)
	wg.Wait()
}

// CheckChangeRace checks the results of RaceChanges run with perOp
// cancels, retries and deletes of one task. Each change locks the row, so
// the calls apply one after the other, and every result must be one the
// state tables allow for some order of them: exactly one delete wins,
// every cancel succeeds, and each retry follows a failure or a cancel.
// retryable tells whether the task was failed or cancelled at the start.
func CheckChangeRace(t testing.TB, results []ChangeResult, perOp int, retryable bool, errs ChangeErrors) {
	t.Helper()
	var deleted, deleteMissed, cancels, retries int
	for _, r := range results {
		if errors.Is(r.Err, errs.NotFound) {
			// Only calls after the successful delete miss the task.
			if r.Op == "delete" {
				deleteMissed++
			}
			continue
		}
		switch r.Op {
		case "cancel":
			// The task is never running or completed here.
			require.NoError(t, r.Err)
			require.Equal(t, asynqpg.TaskStatusCancelled, r.Status)
			require.NotNil(t, r.FinalizedAt)
			cancels++
		case "retry":
			if r.Err != nil {
				require.ErrorIs(t, r.Err, errs.AlreadyAvailable)
				continue
			}
			require.Equal(t, asynqpg.TaskStatusPending, r.Status)
			require.Nil(t, r.FinalizedAt)
			require.GreaterOrEqual(t, r.AttemptsLeft, 1)
			retries++
		case "delete":
			require.NoError(t, r.Err)
			require.Contains(t, []asynqpg.TaskStatus{asynqpg.TaskStatusPending, asynqpg.TaskStatusFailed, asynqpg.TaskStatusCancelled}, r.Status)
			deleted++
		default:
			t.Fatalf("testfixture: unknown change %q", r.Op)
		}
	}
	require.Equal(t, 1, deleted, "exactly one delete wins")
	require.Equal(t, perOp-1, deleteMissed, "the other deletes find nothing")
	initial := 0
	if retryable {
		initial = 1
	}
	// Each retry needs a failed or cancelled task: the initial one or a
	// cancel since the previous retry.
	require.LessOrEqual(t, retries, initial+cancels, "each retry needs a failed or cancelled task")
}
