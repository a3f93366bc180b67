package conformance

import "context"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/engine"

// The dashboard chapter proves that through the entry the dashboard's
// statements work: exact counts by type and status, the
// planner's size figures, bulk retry and delete of failed tasks by type
// and by ids (an []int64 and a bool parameter), the current leader, and
// sessions (bytea keys, JSON text, times) saved, read, deleted and
// expired. A transaction entry runs them inside a transaction.

// runDashboardChapter runs the dashboard chapter against d.
func runDashboardChapter(t *testing.T, d Driver) {
	t.Run("CountsAndBulk", func(t *testing.T) { testDashboardCountsAndBulk(t, d) })
	t.Run("Sessions", func(t *testing.T) { testDashboardSessions(t, d) })
}

// dashboardExecutor is the entry's subject as an Executor: the Pool, or a
// transaction begun through the adapter.
func dashboardExecutor(t *testing.T, b *Bundle) driver.Executor {
	t.Helper()
	if !b.Driver.TxEntry {
		return b.Executor(t)
	}
	ex, err := driver.Resolve(b.Begin(t).Querier)
	require.NoError(t, err)
	return ex
}

func testDashboardCountsAndBulk(t *testing.T, d Driver) {
	b := Setup(t, d)
	ctx := context.Background()
	_, err := b.Check.Exec(`INSERT INTO asynqpg_tasks (type, payload, status, finalized_at)
		SELECT t, '{}'::bytea, s, CASE WHEN s = 'failed' THEN now() END
		FROM (VALUES ('email', 'failed'), ('email', 'failed'), ('email', 'pending'),
		             ('report', 'failed'), ('report', 'failed')) v(t, s)`)
	require.NoError(t, err)
	var ids []int64
	rows, err := b.Check.Query(`SELECT id FROM asynqpg_tasks WHERE status = 'failed' ORDER BY id`)
	require.NoError(t, err)
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(t, rows.Err())
	require.Len(t, ids, 4)
	ex := dashboardExecutor(t, b)

	counts, err := engine.CountByTypeStatus(ctx, ex)
	require.NoError(t, err)
	require.ElementsMatch(t, []engine.TypeStatusCount{
		{Type: "email", Status: "failed", Count: 2}, {Type: "email", Status: "pending", Count: 1},
		{Type: "report", Status: "failed", Count: 2},
	}, counts)
	size, err := engine.ReadTableSize(ctx, ex)
	require.NoError(t, err)
	require.Positive(t, size.Bytes)
	_, err = engine.ColumnFrequencies(ctx, ex)
	require.NoError(t, err)

	n, err := engine.BulkRetryFailed(ctx, ex, engine.BulkFilter{ByIDs: true, IDs: []int64{ids[0], ids[2]}})
	require.NoError(t, err)
	require.EqualValues(t, 2, n, "retry by ids")
	n, err = engine.BulkRetryFailed(ctx, ex, engine.BulkFilter{ByIDs: true, IDs: []int64{}})
	require.NoError(t, err)
	require.Zero(t, n, "retry by no ids")
	report := "report"
	n, err = engine.BulkDeleteFailed(ctx, ex, engine.BulkFilter{Type: &report})
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "delete the failed report left")
	n, err = engine.BulkDeleteFailed(ctx, ex, engine.BulkFilter{})
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "delete the failed email left")
	counts, err = engine.CountByTypeStatus(ctx, ex)
	require.NoError(t, err)
	require.ElementsMatch(t, []engine.TypeStatusCount{
		{Type: "email", Status: "pending", Count: 2}, {Type: "report", Status: "pending", Count: 1},
	}, counts)

	leader, err := engine.CurrentLeader(ctx, ex, "dashboard")
	require.NoError(t, err)
	require.Nil(t, leader)
	_, err = b.Check.Exec(`INSERT INTO asynqpg_leader (name, leader_id, expires_at) VALUES ('dashboard', 'node-1', now() + interval '1 minute')`)
	require.NoError(t, err)
	leader, err = engine.CurrentLeader(ctx, ex, "dashboard")
	require.NoError(t, err)
	require.NotNil(t, leader)
	require.Equal(t, "node-1", leader.LeaderID)
	require.InDelta(t, time.Minute.Seconds(), leader.Left.Seconds(), 5)
	_, err = b.Check.Exec(`UPDATE asynqpg_leader SET expires_at = now() - interval '30 seconds' WHERE name = 'dashboard'`)
	require.NoError(t, err)
	leader, err = engine.CurrentLeader(ctx, ex, "dashboard")
	require.NoError(t, err)
	require.NotNil(t, leader, "an expired term is still shown")
	require.Equal(t, "node-1", leader.LeaderID)
	require.Zero(t, leader.Left, "no time left on an expired term")
}

func testDashboardSessions(t *testing.T, d Driver) {
	b := Setup(t, d)
	ctx := context.Background()
	ex := dashboardExecutor(t, b)
	now := time.Now().UTC().Truncate(time.Microsecond)
	live := engine.SessionRow{TokenHash: []byte{0, 1, 2, 0xff}, UserJSON: `{"id":"1","name":"Zoë \"z\""}`, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	old := engine.SessionRow{TokenHash: []byte{9}, UserJSON: `{}`, CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Hour)}
	require.NoError(t, engine.SaveSession(ctx, ex, live))
	require.NoError(t, engine.SaveSession(ctx, ex, old))

	got, err := engine.GetSession(ctx, ex, live.TokenHash)
	require.NoError(t, err)
	require.JSONEq(t, live.UserJSON, got.UserJSON)
	require.True(t, got.CreatedAt.Equal(live.CreatedAt) && got.ExpiresAt.Equal(live.ExpiresAt), "times %v %v", got.CreatedAt, got.ExpiresAt)
	_, err = engine.GetSession(ctx, ex, old.TokenHash)
	require.ErrorIs(t, err, engine.ErrSessionNotFound)

	n, err := engine.DeleteExpiredSessions(ctx, ex)
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	require.NoError(t, engine.DeleteSession(ctx, ex, live.TokenHash))
	_, err = engine.GetSession(ctx, ex, live.TokenHash)
	require.ErrorIs(t, err, engine.ErrSessionNotFound)
}
