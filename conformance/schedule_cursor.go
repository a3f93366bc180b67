package conformance

import "slices"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/engine"
import "github.com/yakser/asynqpg/internal/testfixture"
import "github.com/yakser/asynqpg/producer"

// testScheduleClaimAfterCursor claims through the entry's executor with
// and without a cursor, by each claim statement (claim only, with
// successes, with an outcome of another kind): a claim returns the cursor
// of the last pending task it claimed, and a claim after it takes only the
// later tasks of that priority, in order.
func testScheduleClaimAfterCursor(t *testing.T, d Driver) {
	t.Parallel()
	b := setupAPI(t, d, producer.Config{})
	now := time.Now()
	enqueue := func(priority int, ago time.Duration) int64 {
		t.Helper()
		task := asynqpg.NewTask("cursor", []byte{}, asynqpg.WithPriority(priority))
		task.ProcessAt = now.Add(-ago)
		id, err := b.enqueue(t, task)
		require.NoError(t, err)
		return id
	}
	var zero []int64
	for h := 5; h > 0; h-- {
		zero = append(zero, enqueue(0, time.Duration(h)*time.Hour))
	}
	high := enqueue(3, time.Hour)
	low := enqueue(-2, time.Hour)
	n := engine.ManyOutcomes + 17
	_, err := b.enqueueMany(t, slices.Repeat([]*asynqpg.Task{asynqpg.NewTask("cursor:outcomes", []byte{})}, n))
	require.NoError(t, err)
	ex, commit := entryExecutor(t, b)
	ctx := opContext(t)
	outcomes, err := engine.ClaimTasks(ctx, ex, "cursor:outcomes", n, time.Minute)
	require.NoError(t, err)
	require.Len(t, outcomes, n)
	record := func(i int, status string) engine.OutcomeRecord {
		o := engine.OutcomeRecord{Attempt: outcomes[i].Attempt}
		o.Status, o.Kind = status, asynqpg.StatusCompleted
		if status == "failed" {
			o.Spent, o.Message, o.Kind = 1, "failed", asynqpg.StatusFailed
		}
		return o
	}
	successes := make([]engine.OutcomeRecord, engine.ManyOutcomes+16)
	for i := range successes {
		successes[i] = record(i, "completed")
	}
	claim := func(outs []engine.OutcomeRecord, limit int, after engine.ClaimCursor) ([]int64, engine.ClaimCursor) {
		t.Helper()
		claimed, written, cursor, err := engine.RecordAndClaim(ctx, ex, "cursor", outs, limit, time.Minute, true, after)
		require.NoError(t, err)
		require.Len(t, written, len(outs))
		ids := make([]int64, len(claimed))
		for i, c := range claimed {
			ids[i] = c.Task.ID
		}
		return ids, cursor
	}

	ids, cursor := claim(nil, 2, engine.ClaimCursor{})
	require.ElementsMatch(t, []int64{high, zero[0]}, ids)
	require.Equal(t, engine.ClaimCursor{Rank: 0, BlockedTill: cursor.BlockedTill, ID: zero[0]}, cursor)
	require.WithinDuration(t, now.Add(-5*time.Hour), cursor.BlockedTill, time.Millisecond, "the cursor's blocked_till")

	ids, cursor = claim(successes[:16], 1, cursor)
	require.Equal(t, []int64{zero[1]}, ids, "after the cursor, with successes")
	require.Equal(t, zero[1], cursor.ID)

	ids, cursor = claim(successes[16:], 1, cursor)
	require.Equal(t, []int64{zero[2]}, ids, "after the cursor, with a large batch of successes")
	require.Equal(t, zero[2], cursor.ID)

	ids, cursor = claim([]engine.OutcomeRecord{record(n-1, "failed")}, 5, cursor)
	require.ElementsMatch(t, zero[3:], ids, "after the cursor, with a failure: the rest of priority 0 and not lower")
	require.Equal(t, zero[4], cursor.ID)

	ids, cursor = claim(nil, 5, engine.ClaimCursor{})
	require.Equal(t, []int64{low}, ids, "from the first ready task")
	require.Equal(t, engine.ClaimCursor{Rank: -2, BlockedTill: cursor.BlockedTill, ID: low}, cursor)
	commit()
	require.Equal(t, 7, testfixture.CountStatus(t, b.Check, "cursor", asynqpg.TaskStatusRunning))
}
