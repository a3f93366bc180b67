package reliability

import "context"
import "fmt"
import "strings"
import "sync"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/engine"

// TestFrozenLeaderFencing is the deterministic form of the frozen leader
// of scenario 8. A leader's process freezes after its maintenance checked
// that it leads and before its statement reached the database (SIGSTOP, a
// long GC or VM pause): here the statement and the leader's next renewal
// are held back, as by a frozen process, while its term lapses and another
// consumer is elected; then the process resumes, the held statement first
// (when a frozen process resumes, any of its goroutines may run first).
// Pass: the resumed old leader's maintenance statement changes 0 rows,
// because the database no longer grants it the leadership.
func TestFrozenLeaderFencing(t *testing.T) {
	t.Parallel()
	const backlog = 100
	useConnections(t, 4+4+4)
	began := time.Now()
	b := setup(t)
	b.exec(t, leaderAudit)
	b.exec(t, maintenanceAudit)
	b.exec(t, `
INSERT INTO asynqpg_tasks (type, status, attempts_left, finalized_at, created_at)
SELECT 'old', 'completed', 1, now() - interval '2 days', now() - interval '2 days'
FROM generate_series(1, $1)`, backlog)

	gate := newGateExecutor(b.appExecutor(t, "frozen-a"))
	// The old leader's cleaner statement is held from the start: its first
	// maintenance run passes the leadership check and then freezes.
	deleteHeld := gate.hold("DELETE FROM asynqpg_tasks")
	a := startMaintainer(t, engine.MaintainerConfig{
		Executor: gate, ClientID: "frozen-a", LeaderTTL: frozenTTL, ElectInterval: frozenInterval,
		JanitorInterval: time.Hour, CompletedRetention: time.Hour,
	})
	require.Eventually(t, func() bool { return gate.waiting() == 1 }, waitLong, tick, "the old leader never ran its cleaner")
	// Now its renewals freeze too: the whole process is frozen.
	renewHeld := gate.hold("UPDATE asynqpg_leader")
	t.Cleanup(func() { gate.release(deleteHeld); gate.release(renewHeld) })

	startMaintainer(t, engine.MaintainerConfig{
		Executor: b.appExecutor(t, "frozen-b"), ClientID: "frozen-b", LeaderTTL: frozenTTL, ElectInterval: frozenInterval,
		JanitorInterval: time.Hour, CompletedRetention: 30 * 24 * time.Hour,
	})
	newLeader := b.waitLeader(t, "frozen-a", time.Time{})
	require.Equal(t, "frozen-b", newLeader)
	electedB := b.electedAt(t, "frozen-b")

	// The old leader resumes: its held statement runs first.
	gate.release(deleteHeld)
	require.Eventually(t, func() bool { return gate.waiting() == 1 }, waitLong, tick)
	time.Sleep(500 * time.Millisecond)
	gate.release(renewHeld)
	require.Eventually(t, func() bool { return !a.IsLeader() }, waitLong, tick)

	stale := b.scalar(t, `SELECT count(*) FROM reliability_maintenance WHERE app = 'frozen-a' AND at > $1`, electedB)
	left := b.scalar(t, `SELECT count(*) FROM asynqpg_tasks WHERE type = 'old'`)
	report(t, result{
		Scenario: 8, Name: "frozen leader resumes after its term", Bound: -1, Elapsed: time.Since(began),
		Notes: fmt.Sprintf("rows_changed_by_old_leader_after_new_election=%d backlog_left=%d/%d", stale, left, backlog),
	})
	require.Zero(t, stale, "rows changed by the old leader's maintenance after its term ended and another leader was elected")
}

// gateExecutor holds back the statements that match a held prefix until
// they are released, ignoring their contexts meanwhile, as a frozen
// process would.
type gateExecutor struct {
	inner driver.Executor

	mu    sync.Mutex
	gates map[string]chan struct{}
	count int // statements held now
}

func newGateExecutor(inner driver.Executor) *gateExecutor {
	return &gateExecutor{inner: inner, gates: map[string]chan struct{}{}}
}

// hold starts holding statements that contain text; it returns text, the
// key to release them with.
func (g *gateExecutor) hold(text string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gates[text] = make(chan struct{})
	return text
}

// release lets the statements held under key go.
func (g *gateExecutor) release(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if ch, ok := g.gates[key]; ok {
		close(ch)
		delete(g.gates, key)
	}
}

// waiting returns how many statements are held now.
func (g *gateExecutor) waiting() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.count
}

func (g *gateExecutor) wait(sql string) {
	g.mu.Lock()
	var ch chan struct{}
	for text, c := range g.gates {
		if strings.Contains(sql, text) {
			ch = c
		}
	}
	if ch != nil {
		g.count++
	}
	g.mu.Unlock()
	if ch == nil {
		return
	}
	<-ch
	g.mu.Lock()
	g.count--
	g.mu.Unlock()
}

func (g *gateExecutor) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	return g.over(g.inner).Exec(ctx, sql, args...)
}

func (g *gateExecutor) Query(ctx context.Context, sql string, args ...any) (driver.Rows, error) {
	return g.over(g.inner).Query(ctx, sql, args...)
}

func (g *gateExecutor) QueryRow(ctx context.Context, sql string, args ...any) driver.Row {
	return g.over(g.inner).QueryRow(ctx, sql, args...)
}

func (g *gateExecutor) Begin(ctx context.Context) (driver.Tx, error) { return g.inner.Begin(ctx) }
