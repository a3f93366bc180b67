package engine

import "context"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"

func TestClean(t *testing.T) {
	t.Parallel()
	const day = 24 * time.Hour
	custom := MaintainerConfig{CompletedRetention: time.Hour, FailedRetention: 3 * time.Hour, CancelledRetention: 2 * time.Hour}
	tests := []struct {
		name    string
		cfg     MaintainerConfig
		spec    taskSpec
		deleted bool
	}{
		{"completed past its retention", custom, taskSpec{status: asynqpg.TaskStatusCompleted, finalizedAgo: 2 * time.Hour}, true},
		{"completed within its retention", custom, taskSpec{status: asynqpg.TaskStatusCompleted, finalizedAgo: 30 * time.Minute}, false},
		{"failed past its retention", custom, taskSpec{status: asynqpg.TaskStatusFailed, finalizedAgo: 4 * time.Hour}, true},
		{"failed within its retention", custom, taskSpec{status: asynqpg.TaskStatusFailed, finalizedAgo: 2 * time.Hour}, false},
		{"cancelled past its retention", custom, taskSpec{status: asynqpg.TaskStatusCancelled, finalizedAgo: 150 * time.Minute}, true},
		{"cancelled within its retention", custom, taskSpec{status: asynqpg.TaskStatusCancelled, finalizedAgo: 90 * time.Minute}, false},
		{"pending with a stale finalized_at", custom, taskSpec{status: asynqpg.TaskStatusPending, finalizedAgo: 100 * day}, false},
		{"running with a stale finalized_at", custom, taskSpec{status: asynqpg.TaskStatusRunning, attemptsLeft: 1, blockedAgo: -time.Hour, finalizedAgo: 100 * day}, false},
		{"default: completed after a day", MaintainerConfig{}, taskSpec{status: asynqpg.TaskStatusCompleted, finalizedAgo: day + time.Hour}, true},
		{"default: completed within a day", MaintainerConfig{}, taskSpec{status: asynqpg.TaskStatusCompleted, finalizedAgo: day - time.Hour}, false},
		{"default: failed after a week", MaintainerConfig{}, taskSpec{status: asynqpg.TaskStatusFailed, finalizedAgo: 7*day + time.Hour}, true},
		{"default: failed within a week", MaintainerConfig{}, taskSpec{status: asynqpg.TaskStatusFailed, finalizedAgo: 6 * day}, false},
		{"default: cancelled after a day", MaintainerConfig{}, taskSpec{status: asynqpg.TaskStatusCancelled, finalizedAgo: day + time.Hour}, true},
		{"default: cancelled within a day", MaintainerConfig{}, taskSpec{status: asynqpg.TaskStatusCancelled, finalizedAgo: day - time.Hour}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupMaintenance(t)
			id := b.insertOne(t, tt.spec)
			keep := b.insertOne(t, taskSpec{status: tt.spec.status, attemptsLeft: 1, blockedAgo: -time.Hour, finalizedAgo: time.Minute})

			m := b.newMaintainer(t, tt.cfg)
			res, err := m.RunOnce(context.Background())
			require.NoError(t, err)
			var want MaintenanceResult
			if tt.deleted {
				switch tt.spec.status {
				case asynqpg.TaskStatusCompleted:
					want.DeletedCompleted = 1
				case asynqpg.TaskStatusFailed:
					want.DeletedFailed = 1
				case asynqpg.TaskStatusCancelled:
					want.DeletedCancelled = 1
				}
			}
			require.Equal(t, want, res)
			if tt.deleted {
				require.Nil(t, b.get(t, id))
			} else {
				require.Equal(t, tt.spec.status, b.status(t, id))
			}
			require.Equal(t, tt.spec.status, b.status(t, keep), "a recent row is kept")
		})
	}
}

func TestCleanInBatches(t *testing.T) {
	t.Parallel()
	b := setupMaintenance(t)
	b.insert(t, 25, taskSpec{status: asynqpg.TaskStatusCompleted, finalizedAgo: 48 * time.Hour})
	b.insert(t, 10, taskSpec{status: asynqpg.TaskStatusFailed, finalizedAgo: 30 * 24 * time.Hour})
	b.insert(t, 3, taskSpec{status: asynqpg.TaskStatusCancelled, finalizedAgo: 48 * time.Hour})
	b.insert(t, 4, taskSpec{status: asynqpg.TaskStatusCompleted, finalizedAgo: time.Hour})

	logger, logs := bufferLogger()
	m := b.newMaintainer(t, MaintainerConfig{BatchSize: 10, Logger: logger})
	res, err := m.RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, MaintenanceResult{DeletedCompleted: 25, DeletedFailed: 10, DeletedCancelled: 3}, res)
	require.Contains(t, logs.String(), `msg="deleted finalized tasks"`)
	require.Contains(t, logs.String(), "status=completed deleted=25")

	var left int
	require.NoError(t, b.db.QueryRow(`SELECT count(*) FROM asynqpg_tasks`).Scan(&left))
	require.Equal(t, 4, left)
}
