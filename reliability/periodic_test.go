package reliability

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yakser/asynqpg/driver"
	pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
	"github.com/yakser/asynqpg/internal/engine"
)

// TestFrozenLeaderPeriodic is the frozen leader of scenario 8 with a
// periodic task. The leader's process freezes inside the transaction that
// marks an instant, before the mark reaches the database, and its
// renewals freeze too; its term lapses, another consumer is elected and
// enqueues the following instants (catching up the latest missed one);
// then the old leader resumes, its held mark first. Pass: no instant is
// enqueued twice, and the new leader's instants keep coming.
func TestFrozenLeaderPeriodic(t *testing.T) {
	t.Parallel()
	const (
		ttl      = 3 * time.Second
		interval = time.Second
	)
	useConnections(t, 4+4+4)
	ctx := context.Background()
	b := setup(t)
	b.exec(t, leaderAudit)
	every, err := engine.ParseSchedule("@every 1s")
	require.NoError(t, err)
	periodic := []engine.PeriodicEntry{{Name: "tick", Schedule: every, Enqueue: insertInstant}}
	instants := func() int64 { return b.scalar(t, `SELECT count(*) FROM asynqpg_tasks WHERE type = 'tick'`) }

	exA, err := driver.Resolve(pgxv5driver.New(openPool(t, b.url, "frozen-a")))
	require.NoError(t, err)
	gate := newGateExecutor(exA)
	a, err := engine.NewMaintainer(engine.MaintainerConfig{
		Executor: gatedBegin{gate}, ClientID: "frozen-a", LeaderTTL: ttl, ElectInterval: interval,
		JanitorInterval: time.Hour, Periodic: periodic,
	})
	require.NoError(t, err)
	require.NoError(t, a.Start(ctx))
	t.Cleanup(a.Stop)
	require.Eventually(t, func() bool { return instants() >= 2 }, waitLong, tick, "the leader never enqueued")

	// The process freezes: its next mark, then its renewals.
	markHeld := gate.hold("INSERT INTO asynqpg_periodic")
	require.Eventually(t, func() bool { return gate.waiting() == 1 }, waitLong, tick, "the old leader never marked again")
	renewHeld := gate.hold("UPDATE asynqpg_leader")
	t.Cleanup(func() { gate.release(markHeld); gate.release(renewHeld) })

	exB, err := driver.Resolve(pgxv5driver.New(openPool(t, b.url, "frozen-b")))
	require.NoError(t, err)
	bm, err := engine.NewMaintainer(engine.MaintainerConfig{
		Executor: exB, ClientID: "frozen-b", LeaderTTL: ttl, ElectInterval: interval,
		JanitorInterval: time.Hour, Periodic: periodic,
	})
	require.NoError(t, err)
	require.NoError(t, bm.Start(ctx))
	t.Cleanup(bm.Stop)
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
	tx, err := g.inner.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return gatedTx{gate: g.gateExecutor, tx: tx}, nil
}

// gatedTx is a transaction whose statements wait at gate.
type gatedTx struct {
	gate *gateExecutor
	tx   driver.Tx
}

func (t gatedTx) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	t.gate.wait(sql)
	return t.tx.Exec(ctx, sql, args...)
}

func (t gatedTx) Query(ctx context.Context, sql string, args ...any) (driver.Rows, error) {
	t.gate.wait(sql)
	return t.tx.Query(ctx, sql, args...)
}

func (t gatedTx) QueryRow(ctx context.Context, sql string, args ...any) driver.Row {
	t.gate.wait(sql)
	return t.tx.QueryRow(ctx, sql, args...)
}

func (t gatedTx) Begin(ctx context.Context) (driver.Tx, error) {
	sub, err := t.tx.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return gatedTx{gate: t.gate, tx: sub}, nil
}

func (t gatedTx) Commit(ctx context.Context) error   { return t.tx.Commit(ctx) }
func (t gatedTx) Rollback(ctx context.Context) error { return t.tx.Rollback(ctx) }
