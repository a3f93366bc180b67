package engine

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yakser/asynqpg"
)

func TestRecordOutcomes(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	ctx := context.Background()
	ids := make([]int64, 4)
	claims := make([]ClaimedTask, 4)
	for i := range ids {
		ids[i] = b.insertReady(t, "outcome", 3)
		claims[i] = b.claimOne(t, "outcome")
	}
	stale, staleClaim := b.claimNew(t, "outcome")

	before := b.dbNow(t)
	written, err := RecordOutcomes(ctx, b.ex, []OutcomeRecord{
		{Attempt: claims[0].Attempt, Decision: Decision{Status: "completed"}},
		{Attempt: claims[1].Attempt, Decision: Decision{Status: "pending", Spent: 1, Message: "boom", Delay: time.Hour}},
		{Attempt: claims[2].Attempt, Decision: Decision{Status: "failed", Spent: 1, Message: "bad"}},
		{Attempt: claims[3].Attempt, Decision: Decision{Status: "pending", Delay: 30 * time.Second}},
		{Attempt: AttemptKey{ID: stale, Key: staleClaim.Attempt.Key - 1}, Decision: Decision{Status: "completed"}},
	})
	require.NoError(t, err)
	require.Equal(t, map[AttemptKey]bool{
		claims[0].Attempt: true, claims[1].Attempt: true, claims[2].Attempt: true, claims[3].Attempt: true,
	}, written)

	requireAttempts(t, rowAttempts{status: asynqpg.TaskStatusCompleted, left: 3}, b.row(t, ids[0]))
	r := b.row(t, ids[1])
	requireAttempts(t, rowAttempts{asynqpg.TaskStatusPending, 2, 1, []string{"boom"}}, r)
	require.WithinDuration(t, before.Add(time.Hour), r.BlockedTill, 5*time.Second)
	requireAttempts(t, rowAttempts{asynqpg.TaskStatusFailed, 2, 1, []string{"bad"}}, b.row(t, ids[2]))
	r = b.row(t, ids[3])
	requireAttempts(t, rowAttempts{status: asynqpg.TaskStatusPending, left: 3}, r, "a snooze")
	require.WithinDuration(t, before.Add(30*time.Second), r.BlockedTill, 5*time.Second)

	r = b.row(t, stale)
	require.Equal(t, asynqpg.TaskStatusRunning, r.Status, "a stale attempt changes nothing")

	// Writing the same outcomes again changes nothing: the attempts are over.
	written, err = RecordOutcomes(ctx, b.ex, []OutcomeRecord{
		{Attempt: claims[0].Attempt, Decision: Decision{Status: "failed", Spent: 1, Message: "again"}},
	})
	require.NoError(t, err)
	require.Empty(t, written)
	require.Equal(t, asynqpg.TaskStatusCompleted, b.row(t, ids[0]).Status)
}

// TestRecordOutcomesSuccessesOnly covers the lighter statement written for
// a batch of successes: owned attempts complete, stale ones change nothing.
func TestRecordOutcomesSuccessesOnly(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	ctx := context.Background()
	owned, ownedClaim := b.claimNew(t, "successes")
	stale, staleClaim := b.claimNew(t, "successes")

	written, err := RecordOutcomes(ctx, b.ex, []OutcomeRecord{
		{Attempt: ownedClaim.Attempt, Decision: Decision{Status: "completed"}},
		{Attempt: AttemptKey{ID: stale, Key: staleClaim.Attempt.Key + 1}, Decision: Decision{Status: "completed"}},
	})
	require.NoError(t, err)
	require.Equal(t, map[AttemptKey]bool{ownedClaim.Attempt: true}, written)

	requireAttempts(t, rowAttempts{status: asynqpg.TaskStatusCompleted, left: 3}, b.row(t, owned))
	require.Equal(t, asynqpg.TaskStatusRunning, b.row(t, stale).Status, "a stale attempt changes nothing")

	written, err = RecordOutcomes(ctx, b.ex, []OutcomeRecord{
		{Attempt: ownedClaim.Attempt, Decision: Decision{Status: "completed"}},
	})
	require.NoError(t, err)
	require.Empty(t, written, "an attempt that completed is over")
}

func TestRecordOutcomesExhaustion(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	id := b.insertReady(t, "exhaust", 1)
	c := b.claimOne(t, "exhaust")
	written, err := RecordOutcomes(context.Background(), b.ex, []OutcomeRecord{
		{Attempt: c.Attempt, Decision: Decide(assertErr("last"), c.Task.AttemptsLeft, c.Task.AttemptsElapsed, 0, nil)},
	})
	require.NoError(t, err)
	require.True(t, written[c.Attempt])
	requireAttempts(t, rowAttempts{asynqpg.TaskStatusFailed, 0, 1, []string{"last"}}, b.row(t, id))
}

func TestRecordOutcomesAfterCancel(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	id, c := b.claimNew(t, "cancel")
	_, err := CancelTask(context.Background(), b.ex, id)
	require.NoError(t, err)
	written, err := RecordOutcomes(context.Background(), b.ex, []OutcomeRecord{
		{Attempt: c.Attempt, Decision: Decision{Status: "completed"}},
	})
	require.NoError(t, err)
	require.Empty(t, written)
	require.Equal(t, asynqpg.TaskStatusCancelled, b.row(t, id).Status)
}

func TestLostAttempts(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	ctx := context.Background()
	owned, ownedClaim := b.claimNew(t, "lost")
	cancelled, cancelledClaim := b.claimNew(t, "lost")
	deleted, deletedClaim := b.claimNew(t, "lost")
	reclaimed, reclaimedClaim := b.claimNew(t, "lost")

	_, err := CancelTask(ctx, b.ex, cancelled)
	require.NoError(t, err)
	b.exec(t, `DELETE FROM asynqpg_tasks WHERE id = $1`, deleted)
	// The lease passes and another consumer claims the task again.
	b.exec(t, `UPDATE asynqpg_tasks SET blocked_till = now() - interval '1 second',
		attempted_at = attempted_at - interval '1 minute' WHERE id = $1`, reclaimed)
	again := b.claimOne(t, "lost")
	require.Equal(t, reclaimed, again.Task.ID)

	lost, err := LostAttempts(ctx, b.ex, []AttemptKey{
		ownedClaim.Attempt, cancelledClaim.Attempt, deletedClaim.Attempt, reclaimedClaim.Attempt, again.Attempt,
	})
	require.NoError(t, err)
	require.ElementsMatch(t, []AttemptKey{cancelledClaim.Attempt, deletedClaim.Attempt, reclaimedClaim.Attempt}, lost)
	require.Equal(t, owned, ownedClaim.Task.ID)

	lost, err = LostAttempts(ctx, b.ex, nil)
	require.NoError(t, err)
	require.Empty(t, lost)
}

func TestRequeueAttempts(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	ctx := context.Background()
	id, c := b.claimNew(t, "requeue")
	other, otherClaim := b.claimNew(t, "requeue")

	n, err := RequeueAttempts(ctx, b.ex, []AttemptKey{c.Attempt, {ID: other, Key: otherClaim.Attempt.Key + 1}})
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	r := b.row(t, id)
	require.Equal(t, asynqpg.TaskStatusPending, r.Status)
	require.Equal(t, 3, r.AttemptsLeft, "no attempt counted")
	require.Equal(t, 0, r.AttemptsElapsed)
	require.False(t, r.BlockedTill.After(b.dbNow(t)), "ready at once")
	require.Equal(t, asynqpg.TaskStatusRunning, b.row(t, other).Status, "a stale key changes nothing")

	again := b.claimOne(t, "requeue")
	require.Equal(t, id, again.Task.ID)
}
