package engine

import "context"
import "sync"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/internal/testdb"

func TestMain(m *testing.M) { testdb.Main(m) }

func TestMaintainerStartStop(t *testing.T) {
	t.Parallel()
	b := setupMaintenance(t)
	ctx := context.Background()

	t.Run("stop before start", func(t *testing.T) {
		m := b.newMaintainer(t, MaintainerConfig{ClientID: "never-started"})
		m.Stop()
		m.Stop()
		require.ErrorContains(t, m.Start(ctx), "already stopped")
		require.False(t, m.IsLeader())
	})

	t.Run("stop on nil", func(t *testing.T) {
		var m *Maintainer // a consumer with maintenance disabled has none
		require.NotPanics(t, func() { m.Stop() })
		require.NotPanics(t, func() { m.Stop() })
	})

	t.Run("start twice, stop twice", func(t *testing.T) {
		var (
			mu      sync.Mutex
			changes []bool
		)
		m := b.newMaintainer(t, MaintainerConfig{
			ClientID: "twice", LeaderTTL: 2 * time.Second, JanitorInterval: time.Hour,
			OnLeadershipChange: func(isLeader bool) {
				mu.Lock()
				defer mu.Unlock()
				changes = append(changes, isLeader)
			},
		})
		require.False(t, m.IsLeader())
		require.NoError(t, m.Start(ctx))
		require.ErrorContains(t, m.Start(ctx), "already started")
		require.Eventually(t, m.IsLeader, 30*time.Second, 10*time.Millisecond)

		var stops sync.WaitGroup
		for range 2 {
			stops.Go(m.Stop)
		}
		stops.Wait()
		require.False(t, m.IsLeader())
		require.ErrorContains(t, m.Start(ctx), "already stopped")
		mu.Lock()
		require.Equal(t, []bool{true, false}, changes)
		mu.Unlock()

		var leaders int
		require.NoError(t, b.db.QueryRow(`SELECT count(*) FROM asynqpg_leader`).Scan(&leaders))
		require.Zero(t, leaders, "Stop resigns")
	})
}
