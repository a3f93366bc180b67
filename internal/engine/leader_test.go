package engine

import "context"
import "fmt"
import "strings"
import "sync"
import "sync/atomic"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/testfixture"

func TestElectorTerms(t *testing.T) {
	t.Parallel()
	b := setupMaintenance(t)
	ctx := context.Background()
	const ttl = time.Minute
	newElector := func(id string, skew time.Duration) *elector {
		return &elector{ex: b.ex, name: "default", id: id, ttl: ttl, margin: ttl / 5, now: skewedClock(skew)}
	}
	// Hosts whose wall clocks are ten minutes apart: terms still come from
	// the database alone.
	a, c := newElector("a", -10*time.Minute), newElector("c", 10*time.Minute)

	before := a.now()
	deadline, ok, err := a.elect(ctx)
	require.NoError(t, err)
	require.True(t, ok, "the first candidate is elected")
	require.WithinRange(t, deadline, before.Add(ttl-ttl/5), a.now().Add(ttl-ttl/5),
		"trusted for the granted term less the margin, on the local clock")

	var leader string
	var remaining float64
	require.NoError(t, b.db.QueryRow(`SELECT leader_id, extract(epoch FROM expires_at - now()) FROM asynqpg_leader`).
		Scan(&leader, &remaining))
	require.Equal(t, "a", leader)
	require.InDelta(t, ttl.Seconds(), remaining, 5, "the expiry comes from the database clock")

	requireGranted(t, c.elect, false, "an unexpired term is not taken over")
	requireGranted(t, c.renew, false, "only the leader renews")
	requireGranted(t, a.elect, false, "nor is it re-elected while its term runs")

	requireGranted(t, a.renew, true)

	require.NoError(t, c.resign(ctx), "resigning a term one does not hold changes nothing")
	requireGranted(t, a.renew, true)

	// The term expires.
	b.exec(t, `UPDATE asynqpg_leader SET expires_at = now() - interval '1 microsecond'`)
	requireGranted(t, a.renew, false, "an expired term is not renewed")
	requireGranted(t, c.elect, true, "an expired term is replaced")

	require.NoError(t, c.resign(ctx))
	requireGranted(t, a.elect, true, "a resigned term is replaced at once")

	other := &elector{ex: b.ex, name: "other", id: "c", ttl: ttl, margin: ttl / 5, now: time.Now}
	requireGranted(t, other.elect, true, "leaderships of different names are independent")
}

func TestElectorLateAnswerIsNotTrusted(t *testing.T) {
	t.Parallel()
	b := setupMaintenance(t)
	// A local clock that jumps forward by a whole term between sending the
	// statement and reading its answer: the answer came too late to trust.
	var calls atomic.Int64
	start := time.Now()
	e := &elector{ex: b.ex, name: "default", id: "slow", ttl: 10 * time.Second, margin: 2 * time.Second,
		now: func() time.Time {
			if calls.Add(1) == 1 {
				return start
			}
			return start.Add(10 * time.Second)
		}}
	requireGranted(t, e.elect, false)
}

// requireGranted runs step, an elect or a renew of an elector, and checks
// whether it was granted the term; msgAndArgs go with that check.
func requireGranted(t *testing.T, step func(context.Context) (time.Time, bool, error), want bool, msgAndArgs ...any) {
	t.Helper()
	_, ok, err := step(context.Background())
	require.NoError(t, err)
	require.Equal(t, want, ok, msgAndArgs...)
}

// partitionExecutor simulates a network partition between a consumer and
// the database: while cut, every statement hangs until its context ends.
type partitionExecutor struct {
	driver.Executor
	cut atomic.Bool
}

// errRow is a Row whose Scan fails.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

func (p *partitionExecutor) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	if p.cut.Load() {
		<-ctx.Done()
		return 0, ctx.Err()
	}
	return p.Executor.Exec(ctx, sql, args...)
}

func (p *partitionExecutor) Query(ctx context.Context, sql string, args ...any) (driver.Rows, error) {
	if p.cut.Load() {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return p.Executor.Query(ctx, sql, args...)
}

func (p *partitionExecutor) QueryRow(ctx context.Context, sql string, args ...any) driver.Row {
	if p.cut.Load() {
		<-ctx.Done()
		return errRow{ctx.Err()}
	}
	return p.Executor.QueryRow(ctx, sql, args...)
}

// leaderGroup runs several maintainers on one database, each with its own
// context, and samples how many of them are leaders.
type leaderGroup struct {
	b       *maintBundle
	ms      []*Maintainer
	ids     []string
	nets    []*partitionExecutor
	cancels []context.CancelFunc
	logs    []*testfixture.SyncBuffer

	stopSampling func()
	mu           sync.Mutex
	samples      int
	doubles      int // passes in a row that saw more than one leader
	worst        int
}

func startLeaderGroup(t *testing.T, b *maintBundle, cfg MaintainerConfig, skews []time.Duration) *leaderGroup {
	t.Helper()
	g := &leaderGroup{b: b}
	for i, skew := range skews {
		c := cfg
		c.ClientID = fmt.Sprintf("consumer-%d", i)
		c.now = skewedClock(skew)
		net := &partitionExecutor{Executor: b.ex}
		c.Executor = net
		var logs *testfixture.SyncBuffer
		c.Logger, logs = bufferLogger()
		m := b.newMaintainer(t, c)
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		require.NoError(t, m.Start(ctx))
		g.ms = append(g.ms, m)
		g.ids = append(g.ids, c.ClientID)
		g.nets = append(g.nets, net)
		g.cancels = append(g.cancels, cancel)
		g.logs = append(g.logs, logs)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		prevDouble := false
		for ctx.Err() == nil {
			n := len(g.leaders())
			g.mu.Lock()
			g.samples++
			if n > 1 && prevDouble {
				g.doubles++
				g.worst = max(g.worst, n)
			}
			g.mu.Unlock()
			prevDouble = n > 1
			// The sampling period: there is no event to wait for.
			time.Sleep(2 * time.Millisecond)
		}
	}()
	g.stopSampling = func() {
		cancel()
		<-done
	}
	t.Cleanup(g.stopSampling)
	return g
}

// leaders returns the indexes of the maintainers that are leaders.
func (g *leaderGroup) leaders() []int {
	var out []int
	for i, m := range g.ms {
		if m.IsLeader() {
			out = append(out, i)
		}
	}
	return out
}

// waitForLeader waits until exactly one maintainer other than those in
// exclude is the leader, and returns it.
func (g *leaderGroup) waitForLeader(t *testing.T, exclude ...int) int {
	t.Helper()
	leader := -1
	require.Eventually(t, func() bool {
		l := g.leaders()
		if len(l) != 1 {
			return false
		}
		for _, x := range exclude {
			if l[0] == x {
				return false
			}
		}
		leader = l[0]
		return true
	}, 60*time.Second, 5*time.Millisecond, "no single new leader:\n%s", leaderLogs(g.logs...))
	return leader
}

// dbTerm reads the current term from the database, with the database's
// now().
func (g *leaderGroup) dbTerm(t *testing.T) (leaderID string, electedAt, expiresAt, now time.Time) {
	t.Helper()
	require.NoError(t, g.b.db.QueryRow(`SELECT leader_id, elected_at, expires_at, now() FROM asynqpg_leader`).
		Scan(&leaderID, &electedAt, &expiresAt, &now))
	return leaderID, electedAt, expiresAt, now
}

func TestMaintainerOneLeaderAtATime(t *testing.T) {
	t.Parallel()
	b := setupMaintenance(t)
	const (
		ttl      = 2 * time.Second
		interval = 400 * time.Millisecond
		// grace allows for statement latency on a loaded machine; a missed
		// election round would take a whole interval more.
		grace = time.Second
	)
	// Five consumers whose wall clocks disagree by up to twenty minutes.
	g := startLeaderGroup(t, b, MaintainerConfig{LeaderTTL: ttl, ElectInterval: interval, JanitorInterval: time.Hour},
		[]time.Duration{-10 * time.Minute, -time.Minute, 0, time.Minute, 10 * time.Minute})

	first := g.waitForLeader(t)
	id, _, _, _ := g.dbTerm(t)
	require.Equal(t, g.ids[first], id)

	// The leadership is stable across several renewals.
	require.Never(t, func() bool {
		l := g.leaders()
		return len(l) != 1 || l[0] != first
	}, 2*ttl, 20*time.Millisecond, "leadership moved without cause:\n%s", leaderLogs(g.logs...))

	// The leader resigns: another one takes over within an election round.
	g.ms[first].Stop()
	var resignedAt time.Time
	require.NoError(t, b.db.QueryRow(`SELECT now()`).Scan(&resignedAt))
	second := g.waitForLeader(t, first)
	id, electedAt, _, _ := g.dbTerm(t)
	require.Equal(t, g.ids[second], id)
	require.Less(t, electedAt.Sub(resignedAt), interval+grace, "replaced within ElectInterval of resigning")

	// The leader dies: its context ends, it neither renews nor resigns.
	g.cancels[second]()
	<-g.ms[second].election.Stopped()
	require.False(t, g.ms[second].IsLeader())
	id, _, expiredAt, _ := g.dbTerm(t)
	require.Equal(t, g.ids[second], id, "a dead leader does not resign")
	third := g.waitForLeader(t, first, second)
	id, electedAt, _, _ = g.dbTerm(t)
	require.Equal(t, g.ids[third], id)
	require.True(t, electedAt.After(expiredAt), "the dead leader's term ran out first")
	require.Less(t, electedAt.Sub(expiredAt), interval+grace, "replaced within LeaderTTL + ElectInterval of its last renewal")

	// The leader is cut off from the database: it cannot renew, and stops
	// trusting its term before the database lets another consumer take
	// over (the sampler checks that they never overlap).
	g.nets[third].cut.Store(true)
	require.Eventually(t, func() bool { return !g.ms[third].IsLeader() }, 60*time.Second, 5*time.Millisecond)
	fourth := g.waitForLeader(t, first, second, third)
	id, _, _, _ = g.dbTerm(t)
	require.Equal(t, g.ids[fourth], id)

	// Back in touch, it stays a follower.
	g.nets[third].cut.Store(false)
	require.Never(t, func() bool {
		l := g.leaders()
		return len(l) != 1 || l[0] != fourth
	}, 2*interval, 20*time.Millisecond, "leadership moved without cause:\n%s", leaderLogs(g.logs...))

	g.stopSampling()
	g.mu.Lock()
	defer g.mu.Unlock()
	require.Positive(t, g.samples)
	require.Zero(t, g.doubles, "%d leaders at once:\n%s", g.worst, leaderLogs(g.logs...))
}

// leaderLogs returns the logs of a failed test for inspection.
func leaderLogs(logs ...*testfixture.SyncBuffer) string {
	var sb strings.Builder
	for i, l := range logs {
		fmt.Fprintf(&sb, "--- maintainer %d\n%s", i, l.String())
	}
	return sb.String()
}
