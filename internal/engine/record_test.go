package engine

import "context"
import "strings"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/testfixture"

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

// A statement that records a small batch of outcomes and claims writes
// the outcomes before it locks any row to claim: while it waits for an
// outcome's row, the task it is about to claim stays free for other
// consumers. In the other
// order it would hold that task's lock while it waits, which is how two
// such statements deadlock.
func TestRecordAndClaimWritesOutcomesFirst(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		outcomes int
		status   string // of every outcome but the first, which succeeds
	}{
		{name: "successes only", outcomes: lightOutcomes, status: "completed"},
		{name: "mixed", outcomes: 2, status: "failed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setupProc(t)
			ctx := context.Background()
			outcomes := make([]OutcomeRecord, tc.outcomes)
			for i := range outcomes {
				_, c := b.claimNew(t, "order")
				d := Decision{Status: "completed", Kind: asynqpg.StatusCompleted}
				if i > 0 && tc.status == "failed" {
					d = Decision{Status: "failed", Spent: 1, Message: "boom", Kind: asynqpg.StatusFailed}
				}
				outcomes[i] = OutcomeRecord{Attempt: c.Attempt, Decision: d}
			}
			next := b.insertReady(t, "order", 3)

			// Another session holds the first outcome's row.
			holder, err := b.db.BeginTx(ctx, nil)
			require.NoError(t, err)
			defer func() { _ = holder.Rollback() }()
			_, err = holder.ExecContext(ctx, `SELECT 1 FROM asynqpg_tasks WHERE id = $1 FOR UPDATE`, outcomes[0].Attempt.ID)
			require.NoError(t, err)

			type result struct {
				claimed []ClaimedTask
				written map[AttemptKey]bool
				err     error
			}
			done := make(chan result, 1)
			go func() {
				claimed, written, _, err := RecordAndClaim(ctx, b.ex, "order", outcomes, 1, time.Minute, true, ClaimCursor{})
				done <- result{claimed, written, err}
			}()
			b.waitForLockWait(t)

			// The task to claim is not locked while the statement waits.
			var free int64
			err = b.db.QueryRowContext(ctx,
				`SELECT id FROM asynqpg_tasks WHERE id = $1 FOR UPDATE SKIP LOCKED`, next).Scan(&free)
			require.NoError(t, err, "the task to claim is locked while the outcomes wait")
			require.Equal(t, next, free)

			require.NoError(t, holder.Rollback())
			res := <-done
			require.NoError(t, res.err)
			require.Len(t, res.claimed, 1)
			require.Equal(t, next, res.claimed[0].Task.ID)
			for _, o := range outcomes {
				require.True(t, res.written[o.Attempt], "outcome of task %d written", o.Attempt.ID)
				require.Equal(t, asynqpg.TaskStatus(o.Status), b.row(t, o.Attempt.ID).Status)
			}
		})
	}
}

// waitForLockWait waits until a session of the test's database waits for
// a row lock.
func (b *procBundle) waitForLockWait(t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool {
		var waiting int
		err := b.db.QueryRowContext(context.Background(), `
			SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		return err == nil && waiting > 0
	}, 10*time.Second, 5*time.Millisecond, "no session waits for the held row")
}

// Outcomes find their rows through the primary key, in a batch below
// ManyOutcomes and whatever the statistics say of the running rows, and
// so do the cancellation check of running attempts and the give-back of
// a stopping consumer's: the claim index would read every running entry
// of the table for each statement, with those of every task finished
// since the table was last vacuumed.
func TestOutcomesUsePrimaryKey(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	ctx := context.Background()
	b.exec(t, `INSERT INTO asynqpg_tasks (type, payload, status, finalized_at)
		SELECT 'done', '\x01', 'completed', now() FROM generate_series(1, 50000)`)
	var outcomes []OutcomeRecord
	for range 40 {
		_, c := b.claimNew(t, "plan")
		outcomes = append(outcomes, OutcomeRecord{Attempt: c.Attempt,
			Decision: Decision{Status: "completed", Kind: asynqpg.StatusCompleted}})
	}
	b.exec(t, `ANALYZE asynqpg_tasks`)
	ids, keys := outcomeKeys(outcomes)
	claim := []any{"plan", int64(10), int64(time.Minute / time.Microsecond)}
	for name, st := range map[string]struct {
		sql  string
		args []any
	}{
		"sqlRecordOutcomes":   {sqlRecordOutcomes, outcomeArrays(outcomes)},
		"sqlCompleteAttempts": {sqlCompleteAttempts, []any{ids, keys}},
		"sqlRecordAndClaim":   {sqlRecordAndClaim, append(claim, outcomeArrays(outcomes)...)},
		"sqlCompleteAndClaim": {sqlCompleteAndClaim, append(append([]any{}, claim...), ids, keys)},
		"sqlLostAttempts":     {sqlLostAttempts, []any{ids, keys}},
		"sqlRequeueAttempts":  {sqlRequeueAttempts, []any{ids, keys}},
	} {
		tx, err := b.db.BeginTx(ctx, nil)
		require.NoError(t, err)
		plan := outcomesPlan(testfixture.Plan(t, tx, st.sql, st.args...))
		require.NoError(t, tx.Rollback())
		require.Contains(t, plan, "asynqpg_tasks_pkey", "%s:\n%s", name, plan)
		require.NotContains(t, plan, "asynqpg_tasks_claim_idx", "%s:\n%s", name, plan)
	}
}

// outcomesPlan returns the part of plan that writes the outcomes: the
// CTE done of a statement that also claims (up to the next CTE), or all
// of a statement that only writes outcomes.
func outcomesPlan(plan string) string {
	_, done, found := strings.Cut(plan, "CTE done")
	if !found {
		return plan
	}
	part, _, _ := strings.Cut(done, "CTE ")
	return part
}
