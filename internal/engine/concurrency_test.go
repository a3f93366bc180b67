package engine

import "context"
import "sync"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"

// TestRecordAndClaimLimitedConcurrent runs many limited claims of one type
// at once on a backlog: together they claim exactly the free slots, never
// more, whatever the order in which they get the lock.
func TestRecordAndClaimLimitedConcurrent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		slots, leased int // the limit; tasks running with a live lease before
		want          int
	}{
		{name: "one slot", slots: 1, want: 1},
		{name: "three slots", slots: 3, want: 3},
		{name: "some taken", slots: 5, leased: 2, want: 3},
		{name: "all taken", slots: 2, leased: 2, want: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setupProc(t)
			for range 20 {
				b.insertReady(t, "capped", 3)
			}
			for range tc.leased {
				id := b.insertReady(t, "capped", 3)
				b.exec(t, `UPDATE asynqpg_tasks SET status = 'running', attempted_at = now(),
					blocked_till = now() + interval '1 hour' WHERE id = $1`, id)
			}
			const claimers = 8
			var (
				wg    sync.WaitGroup
				start = make(chan struct{})
				got   = make(chan int, claimers)
				errs  = make(chan error, claimers)
			)
			for range claimers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					claimed, _, err := RecordAndClaimLimited(context.Background(), b.ex, "capped", nil, 10, time.Minute, tc.slots)
					errs <- err
					got <- len(claimed)
				}()
			}
			close(start)
			wg.Wait()
			close(got)
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			total := 0
			for n := range got {
				total += n
			}
			require.Equal(t, tc.want, total, "tasks claimed by all the claims together")
			require.Equal(t, tc.want+tc.leased, b.countStatus(t, "capped", asynqpg.TaskStatusRunning))
		})
	}
}

// TestRecordAndClaimLimitedOutcomes checks that the outcomes a limited
// claim writes free their slots for the same claim, and that a claim of
// no task only writes outcomes.
func TestRecordAndClaimLimitedOutcomes(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	for range 5 {
		b.insertReady(t, "capped", 3)
	}
	ctx := context.Background()
	claimed, _, err := RecordAndClaimLimited(ctx, b.ex, "capped", nil, 10, time.Minute, 2)
	require.NoError(t, err)
	require.Len(t, claimed, 2)
	done := []OutcomeRecord{{Attempt: claimed[0].Attempt, Decision: Decision{Status: outcomeCompleted}}}
	claimed, written, err := RecordAndClaimLimited(ctx, b.ex, "capped", done, 10, time.Minute, 2)
	require.NoError(t, err)
	require.Equal(t, map[AttemptKey]bool{done[0].Attempt: true}, written)
	require.Len(t, claimed, 1, "the slot the outcome freed")
	done = []OutcomeRecord{{Attempt: claimed[0].Attempt, Decision: Decision{Status: outcomeCompleted}}}
	claimed, written, err = RecordAndClaimLimited(ctx, b.ex, "capped", done, 0, time.Minute, 2)
	require.NoError(t, err)
	require.Len(t, written, 1)
	require.Empty(t, claimed, "a limit of 0 claims nothing")
	require.Equal(t, 2, b.countStatus(t, "capped", asynqpg.TaskStatusCompleted))
	require.Equal(t, 1, b.countStatus(t, "capped", asynqpg.TaskStatusRunning))
}
