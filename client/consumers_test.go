package client_test

import "context"
import "encoding/json"
import "os"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/internal/testfixture/testconsumer"
import "github.com/yakser/asynqpg/internal/validate"

// startConsumer starts a consumer on the bundle's database serving the
// task types of workers, each with its number of workers; it is stopped
// at the end of the test.
func (b *bundle) startConsumer(t *testing.T, id string, workers map[string]int) *consumer.Consumer {
	t.Helper()
	return testconsumer.Start(t, b.db, id, 100*time.Millisecond, workers)
}

func TestListConsumers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	got, err := b.client.ListConsumers(ctx)
	require.NoError(t, err)
	require.NotNil(t, got)
	require.Empty(t, got)

	before := time.Now()
	first := b.startConsumer(t, "first", map[string]int{"sms": 2, "email": 5})
	b.startConsumer(t, "second", map[string]int{"email": 1})
	got, err = b.client.ListConsumers(ctx)
	require.NoError(t, err)
	require.Len(t, got, 2)
	host, err := os.Hostname()
	require.NoError(t, err)
	c := got[0]
	require.Equal(t, "first", c.ID)
	require.Equal(t, host, c.Hostname)
	require.EqualValues(t, os.Getpid(), c.PID)
	require.Equal(t, []string{"email", "sms"}, c.TaskTypes)
	require.Equal(t, map[string]int{"email": 5, "sms": 2}, c.Workers)
	require.WithinDuration(t, before, c.StartedAt, 5*time.Second)
	require.False(t, c.LastHeartbeatAt.Before(c.StartedAt))
	require.Equal(t, time.UTC, c.StartedAt.Location())
	require.Equal(t, "second", got[1].ID)

	require.NoError(t, first.Stop())
	got, err = b.client.ListConsumers(ctx)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "second", got[0].ID)
}

func TestListUnservedTaskTypes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.insert(t, "email", asynqpg.TaskStatusPending)
	b.insert(t, "emial", asynqpg.TaskStatusPending) // mistyped
	b.insert(t, "report", asynqpg.TaskStatusRunning)
	b.insert(t, "archive", asynqpg.TaskStatusCompleted)

	got, err := b.client.ListUnservedTaskTypes(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"email", "emial"}, got)

	// Served from Start on, whether or not the consumer has claimed yet.
	c := b.startConsumer(t, "worker", map[string]int{"email": 1, "report": 1})
	got, err = b.client.ListUnservedTaskTypes(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"emial"}, got)

	require.NoError(t, c.Stop())
	b.insert(t, "email", asynqpg.TaskStatusPending)
	got, err = b.client.ListUnservedTaskTypes(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"email", "emial"}, got)
}

func TestConsumerInfoJSON(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 12, 30, 0, 500, time.UTC)
	b, err := json.Marshal(client.ConsumerInfo{
		ID: "host-1-abc", Hostname: "host", PID: 42,
		TaskTypes: []string{"email", "sms"}, Workers: map[string]int{"email": 5, "sms": 2},
		StartedAt: at, LastHeartbeatAt: at.Add(5 * time.Second),
	})
	require.NoError(t, err)
	require.JSONEq(t, `{
		"id": "host-1-abc", "hostname": "host", "pid": 42,
		"task_types": ["email", "sms"], "workers": {"email": 5, "sms": 2},
		"started_at": "2026-03-01T12:30:00.0000005Z", "last_heartbeat_at": "2026-03-01T12:30:05.0000005Z"
	}`, string(b))
}

func TestConsumerListsBadContext(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		want error
	}{
		{"nil", nil, validate.ErrNilContext},
		{"cancelled", cancelled, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.client.ListConsumers(tt.ctx)
			require.ErrorIs(t, err, tt.want)
			_, err = b.client.ListUnservedTaskTypes(tt.ctx)
			require.ErrorIs(t, err, tt.want)
		})
	}
}
