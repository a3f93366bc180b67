package reliability

import "context"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/engine"

// TestFrozenLeaderPeriodic is the frozen leader of scenario 8 with a
// periodic task. The leader's process freezes inside the transaction that
// marks an instant, before the mark reaches the database, and its
// renewals freeze too; its term lapses, another consumer is elected and
// enqueues the following instants (catching up the latest missed one);
// then the old leader resumes, its held mark first. Pass: no instant is
// enqueued twice, and the new leader's instants keep coming.
func TestFrozenLeaderPeriodic(t *testing.T) {
	t.Parallel()
	useConnections(t, 4+4+4)
	b := setup(t)
	b.exec(t, leaderAudit)
	every, err := engine.ParseSchedule("@every 1s")
	require.NoError(t, err)
	periodic := []engine.PeriodicEntry{{Name: "tick", Schedule: every, Enqueue: insertInstant}}
	instants := func() int64 { return b.scalar(t, `SELECT count(*) FROM asynqpg_tasks WHERE type = 'tick'`) }

	gate := newGateExecutor(b.appExecutor(t, "frozen-a"))
	a := startMaintainer(t, engine.MaintainerConfig{
		Executor: gatedBegin{gate}, ClientID: "frozen-a", LeaderTTL: frozenTTL, ElectInterval: frozenInterval,
		JanitorInterval: time.Hour, Periodic: periodic,
	})
	require.Eventually(t, func() bool { return instants() >= 2 }, waitLong, tick, "the leader never enqueued")

	// The process freezes: its next mark, then its renewals.
	markHeld := gate.hold("INSERT INTO asynqpg_periodic")
	require.Eventually(t, func() bool { return gate.waiting() == 1 }, waitLong, tick, "the old leader never marked again")
	renewHeld := gate.hold("UPDATE asynqpg_leader")
	t.Cleanup(func() { gate.release(markHeld); gate.release(renewHeld) })

	startMaintainer(t, engine.MaintainerConfig{
		Executor: b.appExecutor(t, "frozen-b"), ClientID: "frozen-b", LeaderTTL: frozenTTL, ElectInterval: frozenInterval,
		JanitorInterval: time.Hour, Periodic: periodic,
	})
	require.Equal(t, "frozen-b", b.waitLeader(t, "frozen-a", time.Time{}))
	before := instants()
	require.Eventually(t, func() bool { return instants() >= before+2 }, waitLong, tick, "the new leader never enqueued")

	// The old leader resumes, its held mark first.
	gate.release(markHeld)
	require.Eventually(t, func() bool { return gate.waiting() <= 1 }, waitLong, tick)
	gate.release(renewHeld)
	require.Eventually(t, func() bool { return !a.IsLeader() }, waitLong, tick)
	after := instants()
	require.Eventually(t, func() bool { return instants() >= after+2 }, waitLong, tick, "instants stopped coming")

	require.Zero(t, b.scalar(t, `
SELECT count(*) - count(DISTINCT payload) FROM asynqpg_tasks WHERE type = 'tick'`), "instants enqueued twice")
	// The old leader's held instant, earlier than those the new leader
	// marked, was not enqueued when it resumed: the instants, in the order
	// they were inserted, only advance.
	require.Zero(t, b.scalar(t, `
SELECT count(*) FROM (
	SELECT payload, lag(payload) OVER (ORDER BY id) AS prev FROM asynqpg_tasks WHERE type = 'tick'
) s WHERE convert_from(payload, 'UTF8') <= convert_from(prev, 'UTF8')`), "an instant enqueued after a later one")
}

// insertInstant enqueues the task of a periodic instant: its payload is
// the instant.
func insertInstant(ctx context.Context, tx driver.Executor, at time.Time) error {
	_, _, err := engine.InsertTask(ctx, tx, engine.NewTask{
		Type: "tick", Payload: []byte(at.UTC().Format(time.RFC3339)), Attempts: 1,
	})
	return err
}

// gatedBegin is a gateExecutor whose transactions are gated too: a
// statement run inside one is held like any other.
type gatedBegin struct{ *gateExecutor }

// Begin begins a transaction whose statements pass the gate.
func (g gatedBegin) Begin(ctx context.Context) (driver.Tx, error) {
	return beginWrapped(ctx, g.inner, g.gateExecutor.over)
}

// over returns inner with its statements, and those of the transactions
// it begins, held at g.
func (g *gateExecutor) over(inner driver.Executor) driver.Executor {
	return gatedStatements{gate: g, inner: inner}
}

// gatedStatements runs statements on inner once gate lets them go.
type gatedStatements struct {
	gate  *gateExecutor
	inner driver.Executor
}

func (s gatedStatements) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	s.gate.wait(sql)
	return s.inner.Exec(ctx, sql, args...)
}

func (s gatedStatements) Query(ctx context.Context, sql string, args ...any) (driver.Rows, error) {
	s.gate.wait(sql)
	return s.inner.Query(ctx, sql, args...)
}

func (s gatedStatements) QueryRow(ctx context.Context, sql string, args ...any) driver.Row {
	s.gate.wait(sql)
	return s.inner.QueryRow(ctx, sql, args...)
}

func (s gatedStatements) Begin(ctx context.Context) (driver.Tx, error) {
	return beginWrapped(ctx, s.inner, s.gate.over)
}
