package asynqpg_test

import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"

func TestTaskStatusIsFinalized(t *testing.T) {
	t.Parallel()

	tests := []struct {
		status asynqpg.TaskStatus
		value  string
		want   bool
	}{
		{asynqpg.TaskStatusPending, "pending", false},
		{asynqpg.TaskStatusRunning, "running", false},
		{asynqpg.TaskStatusCompleted, "completed", true},
		{asynqpg.TaskStatusFailed, "failed", true},
		{asynqpg.TaskStatusCancelled, "cancelled", true},
		{asynqpg.TaskStatus("unknown"), "unknown", false},
		{asynqpg.TaskStatus(""), "", false},
	}

	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.value, string(tt.status))
			require.Equal(t, tt.want, tt.status.IsFinalized())
		})
	}
}
