package engine

import "context"
import "fmt"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"

func TestMaintainerLostLeadershipStopsMaintenance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		lose string // statement that takes the leadership away
	}{
		{"term taken over", `UPDATE asynqpg_leader SET leader_id = 'usurper', expires_at = now() + interval '1 hour'`},
		{"renewal fails", `ALTER TABLE asynqpg_leader RENAME TO asynqpg_leader_moved`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupMaintenance(t)
			stuck := b.insertOne(t, taskSpec{status: asynqpg.TaskStatusRunning, attemptsLeft: 3, blockedAgo: time.Hour})
			b.slowTrigger(t, "UPDATE", time.Minute) // the rescue statement hangs

			changes := make(chan bool, 10)
			m := b.newMaintainer(t, MaintainerConfig{
				LeaderTTL: 1500 * time.Millisecond, ElectInterval: 250 * time.Millisecond, JanitorInterval: time.Hour,
				OnLeadershipChange: func(isLeader bool) { changes <- isLeader },
			})
			require.NoError(t, m.Start(context.Background()))
			require.True(t, <-changes)

			// rescuers counts the sessions running the rescue statement; -1
			// when it cannot tell.
			rescuers := func() int {
				var n int
				if err := b.db.QueryRow(`SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND state = 'active' AND query LIKE '%rescued: the attempt%'
	AND pid <> pg_backend_pid()`).Scan(&n); err != nil {
					return -1
				}
				return n
			}
			require.Eventually(t, func() bool { return rescuers() > 0 }, 30*time.Second, 10*time.Millisecond)

			b.exec(t, tt.lose)
			select {
			case isLeader := <-changes:
				require.False(t, isLeader)
			case <-time.After(30 * time.Second):
				t.Fatal("leadership not given up")
			}
			require.False(t, m.IsLeader())
			require.Eventually(t, func() bool { return rescuers() == 0 }, 30*time.Second, 10*time.Millisecond,
				"the maintenance statement in progress is cancelled")
			require.Equal(t, asynqpg.TaskStatusRunning, b.status(t, stuck))
		})
	}
}

// skewedClock is the clock of a host whose wall clock is off by skew; its
// readings keep their monotonic part, as time.Now's do.
func skewedClock(skew time.Duration) func() time.Time {
	return func() time.Time { return time.Now().Add(skew) }
}

func TestMaintainerSkewedClockDoesNotRescueEarly(t *testing.T) {
	t.Parallel()
	for _, skew := range []time.Duration{-10 * time.Minute, 10 * time.Minute} {
		t.Run(fmt.Sprintf("skew %v", skew), func(t *testing.T) {
			t.Parallel()
			b := setupMaintenance(t)
			within := b.insertOne(t, taskSpec{status: asynqpg.TaskStatusRunning, attemptsLeft: 3, blockedAgo: 30 * time.Second})
			future := b.insertOne(t, taskSpec{status: asynqpg.TaskStatusRunning, attemptsLeft: 3, blockedAgo: -5 * time.Minute})
			past := b.insertOne(t, taskSpec{status: asynqpg.TaskStatusRunning, attemptsLeft: 3, blockedAgo: 2 * time.Minute})
			recent := b.insertOne(t, taskSpec{status: asynqpg.TaskStatusCompleted, finalizedAgo: 23 * time.Hour})

			m := b.newMaintainer(t, MaintainerConfig{
				LeaderTTL: 1500 * time.Millisecond, JanitorInterval: 50 * time.Millisecond, now: skewedClock(skew),
			})
			require.NoError(t, m.Start(context.Background()))
			require.Eventually(t, func() bool { return b.peekStatus(past) == asynqpg.TaskStatusPending },
				30*time.Second, 20*time.Millisecond)
			require.True(t, m.IsLeader())

			// Several more runs happen meanwhile; none acts early.
			require.Never(t, func() bool {
				return b.peekStatus(within) != asynqpg.TaskStatusRunning || b.peekStatus(future) != asynqpg.TaskStatusRunning ||
					b.peekStatus(recent) != asynqpg.TaskStatusCompleted
			}, 500*time.Millisecond, 50*time.Millisecond)

			var remaining float64
			require.NoError(t, b.db.QueryRow(`SELECT extract(epoch FROM expires_at - now()) FROM asynqpg_leader`).Scan(&remaining))
			require.LessOrEqual(t, remaining, 1.5, "the term is the database's, not the skewed host's")
			require.Positive(t, remaining)
		})
	}
}
