package engine

import "context"
import "strings"
import "sync"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
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
	_, err = conn.ExecContext(ctx, `PREPARE claim_after(text, bigint, bigint, integer, timestamptz, bigint) AS `+
		claimTasks.after)
	require.NoError(t, err)
	for name, execute := range map[string]string{
		"from the first ready task": `EXECUTE claim('t1', 10, 60000000)`,
		"after a cursor":            `EXECUTE claim_after('t1', 10, 60000000, 1, now() - interval '1 hour', 500)`,
	} {
		text := testfixture.Plan(t, conn, execute)
		t.Log(name + ":\n" + text)
		require.Equal(t, 2, strings.Count(text, "Index Scan using asynqpg_tasks_claim_idx"), "%s: one claim-index scan for each kind of ready row", name)
		require.NotContains(t, text, "Seq Scan", name)
		require.NotContains(t, text, "Bitmap", name)
		// The only sorts are of the candidates found (at most twice the
		// limit) and of the rows chosen among them, for the last one.
		require.Equal(t, 1, strings.Count(text, "Sort Key: expired.priority DESC"), name)
		require.Equal(t, 1, strings.Count(text, "Sort Key: chosen.priority, chosen.blocked_till DESC"), name)
		require.Equal(t, 2, strings.Count(text, "Sort Key"), name)
	}
	// After a cursor, the scan of pending rows begins at the cursor: its
	// condition is one of the index's, not a filter on the rows read.
	text := testfixture.Plan(t, conn, `EXECUTE claim_after('t1', 10, 60000000, 1, now(), 500)`)
	require.Regexp(t, `Index Cond: .*CASE WHEN .* = \$4\) AND .*\(ROW\(blocked_till, id\) > ROW\(\$5, \$6\)\)`, text)
	// It passes over the rows touched since they were written
	// (claimUntouched) before it locks any; the scan from the first ready
	// task does not.
	require.Equal(t, 1, strings.Count(text, "Filter: (xmax = 0)"), text)
	require.NotContains(t, testfixture.Plan(t, conn, `EXECUTE claim('t1', 10, 60000000)`), "xmax")
}

// TestProcessorPriorityDuringBacklog checks that a task of a higher
// priority enqueued while a consumer drains a backlog is claimed next:
// its notification makes the next claim scan from the first ready task,
// not after the cursor of the last claim.
func TestProcessorPriorityDuringBacklog(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	ctx := context.Background()
	b.insertMany(t, "backlog", 20)
	gate := make(chan struct{})
	var (
		mu  sync.Mutex
		ran []int64
	)
	testProcessor(t, b, nil, ProcessorConfig{
		FetchInterval: time.Hour, // no poll, and no periodic scan from the first task
		Types: []TypeConfig{{Type: "backlog", Workers: 1, Timeout: 10 * time.Second,
			Handler: func(_ context.Context, task *asynqpg.TaskInfo) error {
				mu.Lock()
				ran = append(ran, task.ID)
				first := len(ran) == 1
				mu.Unlock()
				if first {
					<-gate
				}
				return nil
			}}},
	})
	require.Eventually(t, func() bool { return b.listenerBackends(t) == 1 }, eventually, tick)
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(ran) == 1 }, eventually, tick)
	high, _, err := InsertTask(ctx, b.ex, NewTask{Type: "backlog", Payload: []byte{}, Attempts: 1, Priority: 10})
	require.NoError(t, err)
	time.Sleep(200 * time.Millisecond) // the notification reaches the fetch loop
	close(gate)
	require.Eventually(t, func() bool { return b.countStatus(t, "backlog", asynqpg.TaskStatusCompleted) == 21 },
		eventually, tick)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, high, ran[1], "order run: %v", ran)
}
