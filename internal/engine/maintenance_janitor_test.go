package engine

import "context"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"

func TestMaintainerRunOnce(t *testing.T) {
	t.Parallel()
	b := setupMaintenance(t)
	stuck := b.insertOne(t, taskSpec{status: asynqpg.TaskStatusRunning, attemptsLeft: 2, blockedAgo: time.Hour})
	last := b.insertOne(t, taskSpec{status: asynqpg.TaskStatusRunning, attemptsLeft: 1, blockedAgo: time.Hour})
	done := b.insertOne(t, taskSpec{status: asynqpg.TaskStatusCompleted, attemptsLeft: 3, finalizedAgo: 48 * time.Hour})
	failed := b.insertOne(t, taskSpec{status: asynqpg.TaskStatusFailed, finalizedAgo: 8 * 24 * time.Hour})
	cancelled := b.insertOne(t, taskSpec{status: asynqpg.TaskStatusCancelled, attemptsLeft: 3, finalizedAgo: 48 * time.Hour})

	m := b.newMaintainer(t, MaintainerConfig{})
	res, err := m.RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, MaintenanceResult{Requeued: 1, Failed: 1, DeletedCompleted: 1, DeletedFailed: 1, DeletedCancelled: 1}, res)
	require.Equal(t, asynqpg.TaskStatusPending, b.status(t, stuck))
	require.Equal(t, asynqpg.TaskStatusFailed, b.status(t, last), "failed now, so kept for FailedRetention")
	for _, id := range []int64{done, failed, cancelled} {
		require.Empty(t, b.status(t, id))
	}

	res, err = m.RunOnce(context.Background())
	require.NoError(t, err)
	require.Zero(t, res, "nothing left to do")
}

func TestMaintainerStatementTimeoutHalvesBatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		op        string
		perRow    time.Duration
		spec      taskSpec
		rows      int
		batchSize int
		want      MaintenanceResult
		wantState string // SQLSTATE of the error, "" for none
	}{
		{
			name: "rescuer", op: "UPDATE", perRow: 20 * time.Millisecond, rows: 40, batchSize: 64,
			spec: taskSpec{status: asynqpg.TaskStatusRunning, attemptsLeft: 3, blockedAgo: time.Hour},
			want: MaintenanceResult{Requeued: 40},
		},
		{
			name: "cleaner", op: "DELETE", perRow: 20 * time.Millisecond, rows: 40, batchSize: 64,
			spec: taskSpec{status: asynqpg.TaskStatusCompleted, finalizedAgo: 48 * time.Hour},
			want: MaintenanceResult{DeletedCompleted: 40},
		},
		{
			name: "gives up at the smallest batch", op: "DELETE", perRow: 100 * time.Millisecond, rows: 20, batchSize: 10,
			spec:      taskSpec{status: asynqpg.TaskStatusCompleted, finalizedAgo: 48 * time.Hour},
			wantState: driver.CodeQueryCanceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupMaintenance(t)
			b.insert(t, tt.rows, tt.spec)
			b.slowTrigger(t, tt.op, tt.perRow)
			var dbName string
			require.NoError(t, b.db.QueryRow(`SELECT current_database()`).Scan(&dbName))
			b.exec(t, `ALTER DATABASE "`+dbName+`" SET statement_timeout = '400ms'`)

			logger, logs := bufferLogger()
			m := b.newMaintainer(t, MaintainerConfig{
				Executor: openMaintExecutor(t, b.url), // new sessions take the timeout
				Logger:   logger, BatchSize: tt.batchSize,
			})
			res, err := m.RunOnce(context.Background())
			if tt.wantState != "" {
				require.Error(t, err)
				require.Equal(t, tt.wantState, driver.SQLState(err))
				require.Zero(t, res)
				require.NotContains(t, logs.String(), "halving")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, res)
			require.Contains(t, logs.String(), "maintenance statement timed out; halving its batch")
		})
	}
}

func TestMaintainerMaintainsOnlyWhileLeader(t *testing.T) {
	t.Parallel()
	b := setupMaintenance(t)
	b.exec(t, `INSERT INTO asynqpg_leader (name, leader_id, expires_at) VALUES ('default', 'someone-else', now() + interval '1 hour')`)
	first := b.insertOne(t, taskSpec{status: asynqpg.TaskStatusRunning, attemptsLeft: 3, blockedAgo: time.Hour})

	m := b.newMaintainer(t, MaintainerConfig{
		LeaderTTL: 1500 * time.Millisecond, ElectInterval: 100 * time.Millisecond, JanitorInterval: 50 * time.Millisecond,
	})
	require.NoError(t, m.Start(context.Background()))
	require.Never(t, m.IsLeader, time.Second, 50*time.Millisecond)
	require.Equal(t, asynqpg.TaskStatusRunning, b.status(t, first), "a follower does not maintain")

	b.exec(t, `DELETE FROM asynqpg_leader`)
	require.Eventually(t, m.IsLeader, 30*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool { return b.peekStatus(first) == asynqpg.TaskStatusPending },
		30*time.Second, 20*time.Millisecond, "the leader maintains as soon as elected")

	second := b.insertOne(t, taskSpec{status: asynqpg.TaskStatusRunning, attemptsLeft: 3, blockedAgo: time.Hour})
	require.Eventually(t, func() bool { return b.peekStatus(second) == asynqpg.TaskStatusPending },
		30*time.Second, 20*time.Millisecond, "and every JanitorInterval")
}
