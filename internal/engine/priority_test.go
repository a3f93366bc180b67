package engine

import "context"
import "strings"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/internal/testfixture"

// TestClaimPriorityOrder claims ready tasks by priority (higher first), then
// blocked_till, then ID, leaving out tasks not yet ready whatever their
// priority.
func TestClaimPriorityOrder(t *testing.T) {
	t.Parallel()
	b := setupStore(t)
	ctx := context.Background()
	insert := func(prio int, delay time.Duration) int64 {
		t.Helper()
		id, _, err := InsertTask(ctx, b.ex, NewTask{Type: "p", Payload: []byte{}, Attempts: 1, Priority: prio, Delay: delay})
		require.NoError(t, err)
		return id
	}
	low := insert(-100, 0)
	mid1 := insert(0, 0)
	mid2 := insert(0, 0)
	high := insert(100, 0)
	insert(100, time.Hour) // not ready
	_, err := b.db.ExecContext(ctx, `UPDATE asynqpg_tasks SET blocked_till = now() - interval '1 minute' WHERE id = $1`, mid2)
	require.NoError(t, err)

	// One at a time: the rows a claim returns come in no order.
	var got []int64
	for {
		claimed, err := ClaimTasks(ctx, b.ex, "p", 1, time.Minute)
		require.NoError(t, err)
		if len(claimed) == 0 {
			break
		}
		got = append(got, claimed[0].Task.ID)
		if claimed[0].Task.ID == high {
			require.Equal(t, 100, claimed[0].Task.Priority)
		}
	}
	require.Equal(t, []int64{high, mid2, mid1, low}, got)
}

// TestClaimPlanIsOneIndexScan checks, with EXPLAIN of the claim statement
// under its generic plan, that each kind of ready row comes from an
// ordered scan of the claim index: no sequential scan, no bitmap scan, no
// sort of table rows.
func TestClaimPlanIsOneIndexScan(t *testing.T) {
	t.Parallel()
	b := setupStore(t)
	ctx := context.Background()
	conn, err := b.db.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	// Enough rows that the planner's choice is the one it makes on a
	// real queue.
	_, err = conn.ExecContext(ctx, `INSERT INTO asynqpg_tasks (type, status, priority, blocked_till)
		SELECT 't' || (g % 20), CASE WHEN g % 10 = 0 THEN 'completed' ELSE 'pending' END, g % 3, now()
		FROM generate_series(1, 20000) g`)
	require.NoError(t, err)
	_, err = conn.ExecContext(ctx, `ANALYZE asynqpg_tasks`)
	require.NoError(t, err)
	_, err = conn.ExecContext(ctx, `SET plan_cache_mode = force_generic_plan`)
	require.NoError(t, err)
	_, err = conn.ExecContext(ctx, `PREPARE claim(text, bigint, bigint) AS `+sqlClaimTasks)
	require.NoError(t, err)
	text := testfixture.Plan(t, conn, `EXECUTE claim('t1', 10, 60000000)`)
	t.Log("\n" + text)
	require.Equal(t, 2, strings.Count(text, "Index Scan using asynqpg_tasks_claim_idx"), "one claim-index scan for each kind of ready row")
	require.NotContains(t, text, "Seq Scan")
	require.NotContains(t, text, "Bitmap")
	// The only sort is of the candidates found (at most twice the limit).
	require.Equal(t, 1, strings.Count(text, "Sort Key: expired.priority DESC"))
	require.Equal(t, 1, strings.Count(text, "Sort Key"))
}
