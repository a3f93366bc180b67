package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/internal/testfixture"
)

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
				claimed, written, err := RecordAndClaim(ctx, b.ex, "order", outcomes, 1, time.Minute, true)
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

// Outcomes of a small batch find their rows through the primary key,
// whatever the statistics say of the running rows: the claim index would
// read every running row of the table for each statement.
func TestFewOutcomesUsePrimaryKey(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	ctx := context.Background()
	b.exec(t, `INSERT INTO asynqpg_tasks (type, payload, status, finalized_at)
		SELECT 'done', '\x01', 'completed', now() FROM generate_series(1, 5000)`)
	var outcomes []OutcomeRecord
	for range 3 {
		_, c := b.claimNew(t, "plan")
		outcomes = append(outcomes, OutcomeRecord{Attempt: c.Attempt,
			Decision: Decision{Status: "completed", Kind: asynqpg.StatusCompleted}})
	}
	b.exec(t, `ANALYZE asynqpg_tasks`)
	ids, keys := outcomeKeys(outcomes)
	require.Equal(t, sqlRecordFewOutcomes, bySize(outcomes, sqlRecordFewOutcomes, sqlRecordOutcomes))
	for _, st := range []struct {
		name string
		sql  string
		args []any
	}{
		{"sqlRecordFewOutcomes", sqlRecordFewOutcomes, outcomeArrays(outcomes)},
		{"sqlCompleteFewAttempts", sqlCompleteFewAttempts, []any{ids, keys}},
	} {
		name, q, args := st.name, st.sql, st.args
		tx, err := b.db.BeginTx(ctx, nil)
		require.NoError(t, err)
		rows, err := tx.QueryContext(ctx, "EXPLAIN "+q, args...)
		require.NoError(t, err)
		plan := strings.Join(testfixture.Column[string](t, rows), "\n")
		require.NoError(t, tx.Rollback())
		require.Contains(t, plan, "asynqpg_tasks_pkey", "%s:\n%s", name, plan)
		require.NotContains(t, plan, "asynqpg_tasks_claim_idx", "%s:\n%s", name, plan)
	}
}
