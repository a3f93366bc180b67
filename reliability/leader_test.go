package reliability

import "context"
import "fmt"
import "slices"
import "syscall"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/internal/engine"

// Leadership timing of every consumer: the engine's defaults (the
// consumer's configuration does not change them).
const (
	leaderTTL      = engine.DefaultLeaderTTL
	electInterval  = engine.DefaultLeaderTTL / 3
	leaderSlack    = 3 * time.Second // scheduling allowance on a loaded machine
	leaderJanitor  = 300 * time.Millisecond
	leaderRetained = time.Millisecond
)

// TestLeaderFailover is scenario 8: among several consumer processes, the
// leader is killed (SIGKILL); then the next leader is frozen (SIGSTOP) past
// its term and resumed (SIGCONT).
// Pass: the leader audit (a trigger on the leader table) shows at most one
// leader per term: no term begins before the previous one ended; every
// maintenance action (a trigger on the task table records rescues and
// deletions with the connection's application_name) was done by the
// leader of a live term; a new leader is elected within TTL + election
// interval of the kill and of the freeze; the resumed old leader does no
// maintenance.
func TestLeaderFailover(t *testing.T) {
	t.Parallel()
	const taskType = "leader"
	began := time.Now()
	useConnections(t, 3*(4+1)+4)
	b := setup(t)
	b.exec(t, leaderAudit)
	b.exec(t, maintenanceAudit)
	procs := map[string]*proc{}
	for i := range 3 {
		name := fmt.Sprintf("leader-%d", i)
		procs[name] = startChild(t, name, roleConsumer, consumerSpec{
			URL: b.url, Name: name, Types: []string{taskType}, Workers: 5, Timeout: time.Second,
			FetchInterval: 100 * time.Millisecond, JanitorInterval: leaderJanitor, StuckThreshold: time.Second,
			CompletedRetention: leaderRetained, Maintenance: true,
		}, true)
	}
	// A trickle of tasks, so that the cleaner always has work.
	b.feed(t, taskType, 1<<30, 5, 200*time.Millisecond, 3)

	first := b.waitLeader(t, "", time.Time{})
	t.Logf("first leader: %s", first)

	// Kill the leader.
	procs[first].kill(t)
	killedAt := b.dbNow(t)
	second := b.waitLeader(t, first, killedAt)
	afterKill := b.electedAt(t, second).Sub(killedAt)
	t.Logf("killed %s; %s elected %v later", first, second, afterKill)

	// Freeze the new leader past its term, then resume it.
	procs[second].signal(t, syscall.SIGSTOP)
	frozenAt := b.dbNow(t)
	third := b.waitLeader(t, second, frozenAt)
	afterFreeze := b.electedAt(t, third).Sub(frozenAt)
	t.Logf("froze %s; %s elected %v later", second, third, afterFreeze)
	procs[second].signal(t, syscall.SIGCONT)
	resumedAt := b.dbNow(t)
	// Give the resumed process several janitor intervals to misbehave.
	time.Sleep(20 * leaderJanitor)
	require.Positive(t, b.scalar(t, `SELECT count(*) FROM reliability_maintenance WHERE app = $1 AND at > $2`, third, resumedAt),
		"the new leader does maintenance")

	for name, p := range procs {
		if name != first {
			p.stop(t)
		}
	}

	terms := b.terms(t)
	overlaps := 0
	for i := 1; i < len(terms); i++ {
		if terms[i].elected.Before(terms[i-1].end) {
			overlaps++
			t.Errorf("term of %s elected at %v began before the term of %s ended at %v",
				terms[i].leader, terms[i].elected, terms[i-1].leader, terms[i-1].end)
		}
	}
	actions, outside := b.maintenanceOutsideTerms(t, terms)
	// A statement the old leader sent just before it froze may still run on
	// the server after frozenAt: it runs inside its term (outside counts
	// any that did not), and is reported apart. Once resumed, the old
	// leader's term is over: it must do nothing.
	whileFrozen := b.scalar(t, `SELECT count(*) FROM reliability_maintenance WHERE app = $1 AND at > $2 AND at <= $3`,
		second, frozenAt, resumedAt)
	byResumed := b.scalar(t, `SELECT count(*) FROM reliability_maintenance WHERE app = $1 AND at > $2`, second, resumedAt)
	bound := leaderTTL + electInterval
	report(t, result{
		Scenario: 8, Name: "leader killed and frozen", Bound: -1,
		Recover: max(afterKill, afterFreeze), RecoverBound: bound + leaderSlack, Elapsed: time.Since(began),
		Notes: fmt.Sprintf("terms=%d overlapping_terms=%d maintenance_actions=%d outside_own_term=%d in_flight_at_freeze=%d by_resumed_old_leader=%d new_leader_after_kill=%v after_freeze=%v",
			len(terms), overlaps, actions, outside, whileFrozen, byResumed, afterKill.Round(time.Millisecond), afterFreeze.Round(time.Millisecond)),
	})
	require.Zero(t, overlaps, "terms overlapping")
	require.Zero(t, outside, "maintenance actions outside a term of the consumer that did them")
	require.Zero(t, byResumed, "maintenance by the frozen and resumed old leader")
	require.Positive(t, actions, "no maintenance happened at all")
	require.LessOrEqual(t, afterKill, bound+leaderSlack, "new leader after the kill")
	require.LessOrEqual(t, afterFreeze, bound+leaderSlack, "new leader after the freeze")
}

// waitLeader waits for a leader other than not, elected after since, and
// returns its ID.
func (b *bundle) waitLeader(t *testing.T, not string, since time.Time) string {
	t.Helper()
	var leader string
	require.Eventually(t, func() bool {
		err := b.pool.QueryRow(context.Background(), `
SELECT leader_id FROM reliability_leader_audit
WHERE op = 'elect' AND leader_id <> $1 AND elected_at > $2
ORDER BY seq DESC LIMIT 1`, not, since).Scan(&leader)
		return err == nil
	}, leaderTTL+electInterval+time.Minute, tick, "no new leader")
	return leader
}

// electedAt returns when leader's latest term began.
func (b *bundle) electedAt(t *testing.T, leader string) time.Time {
	t.Helper()
	var at time.Time
	require.NoError(t, b.pool.QueryRow(context.Background(),
		`SELECT max(elected_at) FROM reliability_leader_audit WHERE leader_id = $1`, leader).Scan(&at))
	return at
}

// term is one leadership term from the audit.
type term struct {
	leader  string
	elected time.Time
	// end is the term's last expiry granted, or its resignation.
	end time.Time
}

// terms reads the terms recorded by the leader audit, in order.
func (b *bundle) terms(t *testing.T) []term {
	t.Helper()
	rows, err := b.pool.Query(context.Background(), `
SELECT leader_id, elected_at,
	least(max(expires_at) FILTER (WHERE op <> 'resign'), coalesce(min(at) FILTER (WHERE op = 'resign'), 'infinity'))
FROM reliability_leader_audit GROUP BY leader_id, elected_at ORDER BY elected_at`)
	require.NoError(t, err)
	defer rows.Close()
	var out []term
	for rows.Next() {
		var tm term
		require.NoError(t, rows.Scan(&tm.leader, &tm.elected, &tm.end))
		out = append(out, tm)
	}
	require.NoError(t, rows.Err())
	return out
}

// maintenanceOutsideTerms counts the maintenance actions, and those not
// done within a term of the consumer that did them.
func (b *bundle) maintenanceOutsideTerms(t *testing.T, terms []term) (actions, outside int) {
	t.Helper()
	rows, err := b.pool.Query(context.Background(), `SELECT app, at FROM reliability_maintenance ORDER BY seq`)
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var (
			app string
			at  time.Time
		)
		require.NoError(t, rows.Scan(&app, &at))
		actions++
		if !slices.ContainsFunc(terms, func(tm term) bool {
			return tm.leader == app && !at.Before(tm.elected) && !at.After(tm.end)
		}) {
			outside++
			t.Errorf("maintenance by %s at %v outside its terms", app, at)
		}
	}
	require.NoError(t, rows.Err())
	return actions, outside
}
