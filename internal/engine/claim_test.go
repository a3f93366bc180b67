package engine

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/driver"
	"github.com/yakser/asynqpg/internal/testdb"
)

// procBundle is a test's own database with the Executor under test.
type procBundle struct {
	db *sql.DB
	ex driver.Executor
}

func setupProc(t *testing.T) *procBundle {
	t.Helper()
	db := testdb.Open(t)
	return &procBundle{db: db, ex: driver.NewStdExecutor(db)}
}

// exec runs a statement directly.
func (b *procBundle) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	_, err := b.db.ExecContext(context.Background(), q, args...)
	require.NoError(t, err)
}

// insertReady inserts a ready task of type typ with attempts attempts.
func (b *procBundle) insertReady(t *testing.T, typ string, attempts int) int64 {
	t.Helper()
	var id int64
	require.NoError(t, b.db.QueryRowContext(context.Background(),
		`INSERT INTO asynqpg_tasks (type, payload, attempts_left, blocked_till)
		VALUES ($1, '\x01', $2, now() - interval '1 second') RETURNING id`, typ, attempts).Scan(&id))
	return id
}

// row reads task id; nil when it does not exist.
func (b *procBundle) row(t *testing.T, id int64) *TaskRow {
	t.Helper()
	r, err := GetTask(context.Background(), b.ex, id)
	if err == ErrTaskNotFound {
		return nil
	}
	require.NoError(t, err)
	return r
}

// dbNow is the database clock.
func (b *procBundle) dbNow(t *testing.T) time.Time {
	t.Helper()
	var now time.Time
	require.NoError(t, b.db.QueryRowContext(context.Background(), `SELECT now()`).Scan(&now))
	return now
}

// claimNew inserts a ready task of type typ with 3 attempts and claims
// it, which it requires to be the only ready task of typ.
func (b *procBundle) claimNew(t *testing.T, typ string) (int64, ClaimedTask) {
	t.Helper()
	id := b.insertReady(t, typ, 3)
	c := b.claimOne(t, typ)
	require.Equal(t, id, c.Task.ID)
	return id, c
}

// claimOne claims exactly one task of typ.
func (b *procBundle) claimOne(t *testing.T, typ string) ClaimedTask {
	t.Helper()
	claimed, err := ClaimTasks(context.Background(), b.ex, typ, 1, time.Minute)
	require.NoError(t, err)
	require.Len(t, claimed, 1)
	return claimed[0]
}

func TestClaimTasks(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	ctx := context.Background()
	var ids []int64
	for i := range 3 {
		id := b.insertReady(t, "claim", 3)
		// Oldest blocked_till first, in the opposite order of the IDs (and
		// of the rows' places in the table).
		b.exec(t, `UPDATE asynqpg_tasks SET blocked_till = now() - make_interval(secs => $2) WHERE id = $1`, id, 10+i)
		ids = append([]int64{id}, ids...)
	}
	b.insertReady(t, "other", 3)
	future := b.insertReady(t, "claim", 3)
	b.exec(t, `UPDATE asynqpg_tasks SET blocked_till = now() + interval '1 hour' WHERE id = $1`, future)

	claimed, err := ClaimTasks(ctx, b.ex, "claim", 2, 90*time.Second)
	require.NoError(t, err)
	require.Len(t, claimed, 2)
	require.ElementsMatch(t, ids[:2], []int64{claimed[0].Task.ID, claimed[1].Task.ID}, "the two oldest are claimed")
	for _, c := range claimed {
		r := b.row(t, c.Task.ID)
		require.Equal(t, asynqpg.TaskStatusRunning, r.Status)
		require.NotNil(t, r.AttemptedAt)
		require.Equal(t, r.AttemptedAt.UnixMicro(), c.Attempt.Key)
		require.Equal(t, c.Task.ID, c.Attempt.ID)
		require.Equal(t, *r.AttemptedAt, *c.Task.AttemptedAt)
		require.Equal(t, 90*time.Second, r.BlockedTill.Sub(*r.AttemptedAt), "the lease counts from the database clock")
		require.Equal(t, "claim", c.Task.Type)
		require.Equal(t, []byte{1}, c.Task.Payload)
		require.Equal(t, 3, c.Task.AttemptsLeft)
		require.Equal(t, 0, c.Task.AttemptsElapsed)
		require.Equal(t, []string{}, c.Task.Messages)
	}

	claimed, err = ClaimTasks(ctx, b.ex, "claim", 10, time.Minute)
	require.NoError(t, err)
	require.Len(t, claimed, 1, "the running tasks and the future one are not ready")
	require.Equal(t, ids[2], claimed[0].Task.ID)

	claimed, err = ClaimTasks(ctx, b.ex, "claim", 0, time.Minute)
	require.NoError(t, err)
	require.Empty(t, claimed)
}

func TestClaimTasksExpiredLease(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		left        int
		wantClaimed bool
	}{
		{name: "attempts left after the lost one", left: 2, wantClaimed: true},
		{name: "the lost attempt was the last", left: 1, wantClaimed: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupProc(t)
			id := b.insertReady(t, "lease", tt.left)
			b.exec(t, `UPDATE asynqpg_tasks SET status = 'running', attempted_at = now() - interval '1 minute',
				blocked_till = now() - interval '1 second' WHERE id = $1`, id)
			claimed, err := ClaimTasks(context.Background(), b.ex, "lease", 5, time.Minute)
			require.NoError(t, err)
			if !tt.wantClaimed {
				require.Empty(t, claimed)
				return
			}
			require.Len(t, claimed, 1)
			c := claimed[0]
			require.Equal(t, tt.left-1, c.Task.AttemptsLeft, "the lost attempt is counted")
			require.Equal(t, 1, c.Task.AttemptsElapsed)
			require.Len(t, c.Task.Messages, 1)
			require.Contains(t, c.Task.Messages[0], "lease expired")
		})
	}
}

// TestClaimTasksOrderAcrossLeases checks that pending tasks and running
// tasks whose lease passed are claimed together in blocked_till order.
func TestClaimTasksOrderAcrossLeases(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	ctx := context.Background()
	ready := func(status string, ago int) int64 {
		id := b.insertReady(t, "mixed", 3)
		b.exec(t, `UPDATE asynqpg_tasks SET status = $2, attempted_at = now() - interval '1 hour',
			blocked_till = now() - make_interval(secs => $3) WHERE id = $1`, id, status, ago)
		return id
	}
	expiredOld := ready("running", 40)
	pendingOld := ready("pending", 30)
	expiredNew := ready("running", 20)
	pendingNew := ready("pending", 10)

	var order []int64
	for range 4 {
		claimed, err := ClaimTasks(ctx, b.ex, "mixed", 1, time.Minute)
		require.NoError(t, err)
		require.Len(t, claimed, 1)
		order = append(order, claimed[0].Task.ID)
	}
	require.Equal(t, []int64{expiredOld, pendingOld, expiredNew, pendingNew}, order)

	claimed, err := ClaimTasks(ctx, b.ex, "mixed", 10, time.Minute)
	require.NoError(t, err)
	require.Empty(t, claimed, "every task is running with a fresh lease")
}

func TestClaimTasksConcurrentClaimersNeverShare(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	const n = 300
	_, err := InsertTasks(context.Background(), b.ex, makeNewTasks("share", n, 3))
	require.NoError(t, err)

	var (
		mu   sync.Mutex
		seen = map[int64]int{}
		wg   sync.WaitGroup
	)
	for range 4 {
		wg.Go(func() {
			for {
				claimed, err := ClaimTasks(context.Background(), b.ex, "share", 7, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if len(claimed) == 0 {
					return
				}
				mu.Lock()
				for _, c := range claimed {
					seen[c.Task.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Len(t, seen, n)
	for id, k := range seen {
		require.Equal(t, 1, k, "task %d claimed %d times", id, k)
	}
}

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

	r := b.row(t, ids[0])
	require.Equal(t, asynqpg.TaskStatusCompleted, r.Status)
	require.NotNil(t, r.FinalizedAt)
	require.Equal(t, 3, r.AttemptsLeft)
	require.Equal(t, 0, r.AttemptsElapsed)
	require.Empty(t, r.Messages)

	r = b.row(t, ids[1])
	require.Equal(t, asynqpg.TaskStatusPending, r.Status)
	require.Nil(t, r.FinalizedAt)
	require.Equal(t, 2, r.AttemptsLeft)
	require.Equal(t, 1, r.AttemptsElapsed)
	require.Equal(t, []string{"boom"}, r.Messages)
	require.WithinDuration(t, before.Add(time.Hour), r.BlockedTill, 5*time.Second)

	r = b.row(t, ids[2])
	require.Equal(t, asynqpg.TaskStatusFailed, r.Status)
	require.NotNil(t, r.FinalizedAt)
	require.Equal(t, 2, r.AttemptsLeft)
	require.Equal(t, 1, r.AttemptsElapsed)
	require.Equal(t, []string{"bad"}, r.Messages)

	r = b.row(t, ids[3])
	require.Equal(t, asynqpg.TaskStatusPending, r.Status, "a snooze")
	require.Equal(t, 3, r.AttemptsLeft)
	require.Equal(t, 0, r.AttemptsElapsed)
	require.Empty(t, r.Messages)
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

	r := b.row(t, owned)
	require.Equal(t, asynqpg.TaskStatusCompleted, r.Status)
	require.NotNil(t, r.FinalizedAt)
	require.Equal(t, 3, r.AttemptsLeft)
	require.Equal(t, 0, r.AttemptsElapsed)
	require.Empty(t, r.Messages)
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
	r := b.row(t, id)
	require.Equal(t, asynqpg.TaskStatusFailed, r.Status)
	require.Equal(t, 0, r.AttemptsLeft)
	require.Equal(t, 1, r.AttemptsElapsed)
	require.Equal(t, []string{"last"}, r.Messages)
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

// makeNewTasks returns n ready tasks of typ with attempts attempts.
func makeNewTasks(typ string, n, attempts int) []NewTask {
	tasks := make([]NewTask, n)
	for i := range tasks {
		tasks[i] = NewTask{Type: typ, Payload: []byte{byte(i)}, Attempts: attempts}
	}
	return tasks
}

// assertErr is a plain error with message msg.
type assertErr string

func (e assertErr) Error() string { return string(e) }
