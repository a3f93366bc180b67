package engine

import "context"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

func TestMissedInHandover(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name                string
		prev, last, running time.Time
		want                bool
	}{
		{"no instant at or before now", time.Time{}, base.Add(-time.Hour), base.Add(-time.Hour), false},
		{"enqueued already", base, base, base.Add(-time.Hour), false},
		{"missed while this consumer ran", base, base.Add(-time.Hour), base.Add(-time.Minute), true},
		{"missed the moment this consumer started", base, base.Add(-time.Hour), base, true},
		{"missed before this consumer started", base, base.Add(-time.Hour), base.Add(time.Second), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, missedInHandover(tt.prev, tt.last, tt.running))
		})
	}
}

func TestPeriodicStartSkipsInstantsMissedBeforeItRan(t *testing.T) {
	t.Parallel()
	b := setupMaintenance(t)
	hourly, err := ParseSchedule("@hourly")
	require.NoError(t, err)
	every, err := ParseSchedule("@every 1s")
	require.NoError(t, err)
	// "seen" last enqueued an instant three hours ago, and its latest
	// instant fell before this maintainer started; "fresh" never ran;
	// "tick" shows that the schedule has started.
	b.exec(t, `INSERT INTO asynqpg_periodic (name, last_at) VALUES ('seen', date_trunc('hour', now()) - interval '3 hours')`)
	seenLast := b.periodicLast(t, "seen")
	logger, logs := bufferLogger()
	m := b.newMaintainer(t, MaintainerConfig{
		LeaderTTL: 1500 * time.Millisecond, ElectInterval: 250 * time.Millisecond, JanitorInterval: time.Hour,
		Logger: logger,
		Periodic: []PeriodicEntry{
			{Name: "fresh", Schedule: hourly, Enqueue: periodicInsert("fresh")},
			{Name: "seen", Schedule: hourly, Enqueue: periodicInsert("seen")},
			{Name: "tick", Schedule: every, Enqueue: periodicInsert("tick")},
		},
	})
	require.NoError(t, m.Start(context.Background()))
	require.Eventually(t, func() bool { return len(b.periodicInstants(t, "tick")) >= 1 }, 30*time.Second, 20*time.Millisecond)

	require.Empty(t, b.periodicInstants(t, "seen"), "an instant missed while no consumer ran is not made up")
	require.Equal(t, seenLast, b.periodicLast(t, "seen"))
	require.Contains(t, logs.String(), `periodic_task=seen`)
	require.Contains(t, logs.String(), "an instant missed before this consumer started is not made up")
	require.Empty(t, b.periodicInstants(t, "fresh"), "a name never enqueued begins after now")
	require.True(t, b.periodicLast(t, "fresh").IsZero())
}

func TestPeriodicNewLeaderMakesUpTheHandoverInstant(t *testing.T) {
	t.Parallel()
	b := setupMaintenance(t)
	every, err := ParseSchedule("@every 1s")
	require.NoError(t, err)
	b.exec(t, `INSERT INTO asynqpg_periodic (name, last_at) VALUES ('tick', date_trunc('second', now()) - interval '1 hour')`)
	cfg := MaintainerConfig{LeaderTTL: 1500 * time.Millisecond, ElectInterval: 250 * time.Millisecond, JanitorInterval: time.Hour}

	// A leads and enqueues nothing; B runs beside it through at least one
	// instant of "tick", which nobody enqueues.
	cfgA := cfg
	cfgA.ClientID = "a"
	a := b.newMaintainer(t, cfgA)
	require.NoError(t, a.Start(context.Background()))
	require.Eventually(t, a.IsLeader, 30*time.Second, 10*time.Millisecond)
	var started time.Time
	require.NoError(t, b.db.QueryRow(`SELECT now()`).Scan(&started))
	logger, logs := bufferLogger()
	cfgB := cfg
	cfgB.ClientID, cfgB.Logger = "b", logger
	cfgB.Periodic = []PeriodicEntry{{Name: "tick", Schedule: every, Enqueue: periodicInsert("tick")}}
	bm := b.newMaintainer(t, cfgB)
	require.NoError(t, bm.Start(context.Background()))
	require.Eventually(t, func() bool {
		var passed bool
		require.NoError(t, b.db.QueryRow(`SELECT now() >= $1::timestamptz + interval '1200 milliseconds'`, started).Scan(&passed))
		return passed
	}, 30*time.Second, 20*time.Millisecond)
	require.Empty(t, b.periodicInstants(t, "tick"))

	// A resigns; B is elected and makes up the latest instant it missed.
	a.Stop()
	require.Eventually(t, func() bool { return len(b.periodicInstants(t, "tick")) >= 2 }, 30*time.Second, 20*time.Millisecond)
	require.Contains(t, logs.String(), "making up the instant missed while the leadership changed hands")
	got := b.periodicInstants(t, "tick")
	first, err := time.Parse(time.RFC3339Nano, got[0])
	require.NoError(t, err)
	require.False(t, first.Before(started.Truncate(time.Second).Add(time.Second)),
		"the instant made up (%s) fell while B ran (from %s)", first, started)
	second, err := time.Parse(time.RFC3339Nano, got[1])
	require.NoError(t, err)
	require.Equal(t, time.Second, second.Sub(first), "the schedule goes on from the instant made up: %v", got)
}
