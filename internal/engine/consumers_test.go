package engine

import "context"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/testfixture"

// Bounds of the heartbeat tests.
const (
	heartbeatWait = 10 * time.Second
	heartbeatTick = 10 * time.Millisecond
)

// newTestHeartbeat builds a Heartbeat on the bundle's database with
// interval, serving workers; it is stopped when the test ends.
func (b *storeBundle) newTestHeartbeat(t *testing.T, id string, interval time.Duration, workers map[string]int) *Heartbeat {
	t.Helper()
	h, err := NewHeartbeat(HeartbeatConfig{Executor: b.ex, ID: id, Workers: workers, Interval: interval,
		Hostname: "host-" + id, PID: 4242})
	require.NoError(t, err)
	t.Cleanup(h.Stop)
	return h
}

// listedIDs returns the IDs of the live consumers.
func (b *storeBundle) listedIDs(t *testing.T) []string {
	t.Helper()
	rows, err := ListConsumers(context.Background(), b.ex)
	require.NoError(t, err)
	ids := []string{}
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	return ids
}

// consumerRows counts the rows of asynqpg_consumers, live or not.
func (b *storeBundle) consumerRows(t *testing.T) int {
	t.Helper()
	return testfixture.CountRows(t, b.db, "asynqpg_consumers")
}

// insertConsumerRow writes a consumer's row directly, its last heartbeat
// age ago and live for window after it.
func (b *storeBundle) insertConsumerRow(t *testing.T, id, workers string, age, window time.Duration) {
	t.Helper()
	_, err := b.db.ExecContext(context.Background(), `
INSERT INTO asynqpg_consumers (id, hostname, pid, workers, started_at, heartbeat_at, expires_at)
VALUES ($1, 'elsewhere', 1, $2::jsonb, now() - interval '1 hour',
	now() - $3::bigint * interval '1 microsecond',
	now() - $3::bigint * interval '1 microsecond' + $4::bigint * interval '1 microsecond')`,
		id, workers, age.Microseconds(), window.Microseconds())
	require.NoError(t, err)
}

func TestHeartbeatListedRenewedAndRemoved(t *testing.T) {
	t.Parallel()
	b := setupStore(t)
	ctx := context.Background()
	// Renewed every 250 ms, the row lives 750 ms: a renewal late by a
	// loaded machine does not let it expire between two reads.
	h := b.newTestHeartbeat(t, "c1", 250*time.Millisecond, map[string]int{"email": 3, "sms": 1})
	require.Equal(t, 750*time.Millisecond, h.Window())
	require.NoError(t, h.Start(ctx))

	rows, err := ListConsumers(ctx, b.ex)
	require.NoError(t, err)
	require.Len(t, rows, 1)
	first := rows[0]
	require.Equal(t, "c1", first.ID)
	require.Equal(t, "host-c1", first.Hostname)
	require.EqualValues(t, 4242, first.PID)
	require.Equal(t, map[string]int{"email": 3, "sms": 1}, first.Workers)
	require.Equal(t, time.UTC, first.StartedAt.Location())
	require.WithinDuration(t, first.StartedAt, first.HeartbeatAt, time.Second)

	// Renewals move the heartbeat on and keep started_at.
	require.Eventually(t, func() bool {
		rows, err := ListConsumers(ctx, b.ex)
		require.NoError(t, err)
		require.Len(t, rows, 1)
		require.True(t, rows[0].StartedAt.Equal(first.StartedAt), "started_at changed")
		return rows[0].HeartbeatAt.After(first.HeartbeatAt)
	}, heartbeatWait, heartbeatTick)

	h.Stop()
	require.Empty(t, b.listedIDs(t))
	require.Zero(t, b.consumerRows(t))
	h.Stop() // a second Stop does nothing

	// Started again, it is listed again with a new started_at.
	require.NoError(t, h.Start(ctx))
	rows, err = ListConsumers(ctx, b.ex)
	require.NoError(t, err)
	require.Len(t, rows, 1)
	require.True(t, rows[0].StartedAt.After(first.StartedAt))
}

func TestHeartbeatDeadConsumerExpiresAndIsDeleted(t *testing.T) {
	t.Parallel()
	b := setupStore(t)
	ctx := context.Background()
	dead := b.newTestHeartbeat(t, "dead", 100*time.Millisecond, map[string]int{"a": 1})
	alive := b.newTestHeartbeat(t, "alive", 100*time.Millisecond, map[string]int{"b": 1})
	require.NoError(t, dead.Start(ctx))
	require.NoError(t, alive.Start(ctx))
	require.ElementsMatch(t, []string{"dead", "alive"}, b.listedIDs(t))

	// The process "dies": no more heartbeats, and no delete.
	dead.StopBeating()
	require.Equal(t, 2, b.consumerRows(t))
	require.Eventually(t, func() bool {
		ids := b.listedIDs(t)
		return len(ids) == 1 && ids[0] == "alive"
	}, heartbeatWait, heartbeatTick, "the dead consumer stays listed")
	// A heartbeat of the live one deletes the expired row.
	require.Eventually(t, func() bool { return b.consumerRows(t) == 1 }, heartbeatWait, heartbeatTick)
}

func TestHeartbeatRecreatesDeletedRow(t *testing.T) {
	t.Parallel()
	b := setupStore(t)
	ctx := context.Background()
	h := b.newTestHeartbeat(t, "paused", 50*time.Millisecond, map[string]int{"a": 2})
	require.NoError(t, h.Start(ctx))
	rows, err := ListConsumers(ctx, b.ex)
	require.NoError(t, err)
	require.Len(t, rows, 1)
	started := rows[0].StartedAt

	// Another consumer deleted the row while this one was frozen: the next
	// heartbeat writes it again, with its own started_at.
	_, err = b.db.ExecContext(ctx, `DELETE FROM asynqpg_consumers`)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		rows, err := ListConsumers(ctx, b.ex)
		require.NoError(t, err)
		return len(rows) == 1 && rows[0].StartedAt.Equal(started)
	}, heartbeatWait, heartbeatTick)
}

func TestNewHeartbeatRejectsBadConfig(t *testing.T) {
	t.Parallel()
	b := setupStore(t)
	tests := []struct {
		name string
		cfg  HeartbeatConfig
		want string
	}{
		{"no executor", HeartbeatConfig{ID: "x", Workers: map[string]int{"a": 1}}, "Executor is required"},
		{"no id", HeartbeatConfig{Executor: b.ex, Workers: map[string]int{"a": 1}}, "ID is required"},
		{"no types", HeartbeatConfig{Executor: b.ex, ID: "x"}, "at least one task type"},
		{"empty type", HeartbeatConfig{Executor: b.ex, ID: "x", Workers: map[string]int{"": 1}}, `Workers[""] is 1`},
		{"no workers", HeartbeatConfig{Executor: b.ex, ID: "x", Workers: map[string]int{"a": 0}}, `Workers["a"] is 0`},
		{"negative interval", HeartbeatConfig{Executor: b.ex, ID: "x", Workers: map[string]int{"a": 1},
			Interval: -time.Second}, "Interval is -1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := NewHeartbeat(tt.cfg)
			require.Nil(t, h)
			require.ErrorContains(t, err, tt.want)
		})
	}
	h, err := NewHeartbeat(HeartbeatConfig{Executor: b.ex, ID: "x", Workers: map[string]int{"a": 1}})
	require.NoError(t, err)
	require.Equal(t, LivenessIntervals*DefaultHeartbeatInterval, h.Window())
}

func TestHeartbeatStopOnNil(t *testing.T) {
	t.Parallel()
	var h *Heartbeat // a consumer without handlers has none
	require.NotPanics(t, func() { h.Stop() })
	require.NotPanics(t, func() { h.Stop() })
}

func TestHeartbeatWithoutTableIsSchemaError(t *testing.T) {
	t.Parallel()
	b := setupStore(t)
	ctx := context.Background()
	_, err := b.db.ExecContext(ctx, `DROP TABLE asynqpg_consumers`)
	require.NoError(t, err)
	h := b.newTestHeartbeat(t, "c1", time.Second, map[string]int{"a": 1})
	require.ErrorIs(t, h.Start(ctx), asynqpg.ErrSchemaNotMigrated)
	require.False(t, h.loop.Running())
	_, err = ListConsumers(ctx, b.ex)
	require.ErrorIs(t, err, asynqpg.ErrSchemaNotMigrated)
	_, err = ListUnservedTypes(ctx, b.ex)
	require.ErrorIs(t, err, asynqpg.ErrSchemaNotMigrated)
	err = CheckSchema(ctx, b.ex)
	require.ErrorIs(t, err, asynqpg.ErrSchemaNotMigrated)
	require.ErrorContains(t, err, "table asynqpg_consumers")
}

func TestListUnservedTypes(t *testing.T) {
	t.Parallel()
	b := setupStore(t)
	ctx := context.Background()
	exec := func(q string, args ...any) {
		t.Helper()
		_, err := b.db.ExecContext(ctx, q, args...)
		require.NoError(t, err)
	}
	// ready: a pending task ready now; delayed: ready in an hour.
	ready := func(typ string) { b.insert(t, typ) }
	delayed := func(typ string) {
		exec(`INSERT INTO asynqpg_tasks (type, payload, blocked_till) VALUES ($1, '\x01', now() + interval '1 hour')`, typ)
	}
	ready("unserved")
	ready("unserved")
	delayed("only-delayed")
	b.setStatus(t, b.insert(t, "only-running"), asynqpg.TaskStatusRunning)
	b.setStatus(t, b.insert(t, "only-failed"), asynqpg.TaskStatusFailed)
	ready("served")
	ready("served-by-dead")
	ready("paused")
	exec(`INSERT INTO asynqpg_paused_types (type) VALUES ('paused')`)
	ready("with'quote")
	for range 20 { // many delayed tasks before the ready one
		delayed("mixed")
	}
	ready("mixed")
	b.insertConsumerRow(t, "live", `{"served": 1, "other": 2}`, 0, time.Hour)
	b.insertConsumerRow(t, "dead", `{"served-by-dead": 1}`, time.Hour, time.Minute)

	got, err := ListUnservedTypes(ctx, b.ex)
	require.NoError(t, err)
	require.Equal(t, []string{"mixed", "paused", "served-by-dead", "unserved", "with'quote"}, got)

	// Served once a consumer serves it.
	h := b.newTestHeartbeat(t, "new", time.Second, map[string]int{"unserved": 1, "mixed": 1})
	require.NoError(t, h.Start(ctx))
	got, err = ListUnservedTypes(ctx, b.ex)
	require.NoError(t, err)
	require.Equal(t, []string{"paused", "served-by-dead", "with'quote"}, got)

	// Nothing pending: empty, not nil.
	exec(`DELETE FROM asynqpg_tasks`)
	got, err = ListUnservedTypes(ctx, b.ex)
	require.NoError(t, err)
	require.NotNil(t, got)
	require.Empty(t, got)
}

// TestListUnservedTypesUsesClaimIndex checks that the distinct types of
// pending tasks are found through the claim index rather than by reading
// the table, so that the statement stays cheap however many tasks wait.
func TestListUnservedTypesUsesClaimIndex(t *testing.T) {
	t.Parallel()
	b := setupStore(t)
	ctx := context.Background()
	_, err := b.db.ExecContext(ctx, `
INSERT INTO asynqpg_tasks (type, payload, status, finalized_at)
SELECT 'type-' || (i % 5), '\x01', CASE WHEN i % 10 = 0 THEN 'pending' ELSE 'completed' END,
	CASE WHEN i % 10 = 0 THEN NULL ELSE now() END
FROM generate_series(1, 20000) i`)
	require.NoError(t, err)
	_, err = b.db.ExecContext(ctx, `ANALYZE asynqpg_tasks`)
	require.NoError(t, err)
	plan := testfixture.Plan(t, b.db, sqlListUnservedTypes)
	require.Contains(t, plan, "asynqpg_tasks_claim_idx")
	require.NotContains(t, plan, "Seq Scan on asynqpg_tasks", plan)
}
