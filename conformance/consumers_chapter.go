package conformance

import "context"
import "os"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/internal/engine"

// The consumers chapter proves that through the entry's Pool a started
// consumer records itself, with its task types and workers, in the list
// of live consumers and renews its entry by heartbeat; that Stop removes
// it; that a consumer whose process died leaves the list once its
// liveness window has passed, and its row is deleted by the heartbeat of
// another; and that a task type with ready tasks and no live consumer is
// reported until a consumer serves it. Transaction entries are left out:
// a consumer needs a Pool.

// consumersInterval is the heartbeat interval of the chapter's live
// consumers: long enough that a loaded machine renews within the window
// of three intervals.
const consumersInterval = time.Second

// runConsumersChapter runs the consumers chapter against d.
func runConsumersChapter(t *testing.T, d Driver) {
	runSections(t, d, nil, []section{
		{"ListedAndRemoved", testConsumersListedAndRemoved},
		{"DeadConsumer", testConsumersDeadConsumer},
		{"UnservedTypes", testConsumersUnservedTypes},
	})
}

// startServing starts a consumer with ID id on the entry's Pool, serving
// each task type of workers with its number of workers; it is stopped at
// the end of the test.
func (b *consumerBundle) startServing(t *testing.T, id string, workers map[string]int) *consumer.Consumer {
	t.Helper()
	cfg := b.config()
	cfg.ClientID = id
	cfg.HeartbeatInterval = consumersInterval
	return b.start(t, cfg, func(c *consumer.Consumer) {
		for typ, n := range workers {
			handle(t, c, typ, func(context.Context, *asynqpg.TaskInfo) error { return nil }, consumer.WithWorkersCount(n))
		}
	})
}

// listed returns the live consumers by ID.
func (b *consumerBundle) listed(t *testing.T) map[string]client.ConsumerInfo {
	t.Helper()
	list, err := b.Client.ListConsumers(context.Background())
	require.NoError(t, err)
	out := make(map[string]client.ConsumerInfo, len(list))
	for _, c := range list {
		out[c.ID] = c
	}
	return out
}

// consumerRow reports whether asynqpg_consumers holds a row for id, live
// or not.
func (b *consumerBundle) consumerRow(t *testing.T, id string) bool {
	t.Helper()
	var n int
	require.NoError(t, b.Check.QueryRowContext(context.Background(),
		`SELECT count(*) FROM asynqpg_consumers WHERE id = $1`, id).Scan(&n))
	return n > 0
}

func testConsumersListedAndRemoved(t *testing.T, d Driver) {
	t.Parallel()
	b := setupConsumer(t, d)
	var dbNow time.Time
	require.NoError(t, b.Check.QueryRowContext(context.Background(), `SELECT now()`).Scan(&dbNow))
	c := b.startServing(t, "conformance-listed", map[string]int{"conf:b": 1, "conf:a": 3})

	// Listed as soon as Start returns, which is within one interval.
	got, ok := b.listed(t)["conformance-listed"]
	require.True(t, ok, "the started consumer is not listed")
	host, err := os.Hostname()
	require.NoError(t, err)
	require.Equal(t, host, got.Hostname)
	require.EqualValues(t, os.Getpid(), got.PID)
	require.Equal(t, []string{"conf:a", "conf:b"}, got.TaskTypes)
	require.Equal(t, map[string]int{"conf:a": 3, "conf:b": 1}, got.Workers)
	require.WithinDuration(t, dbNow, got.StartedAt, consumerWait)
	require.Equal(t, time.UTC, got.StartedAt.Location())
	require.False(t, got.LastHeartbeatAt.Before(got.StartedAt))

	// The heartbeat renews the entry and keeps started_at.
	require.Eventually(t, func() bool {
		now, ok := b.listed(t)["conformance-listed"]
		require.True(t, ok, "the running consumer left the list")
		require.True(t, now.StartedAt.Equal(got.StartedAt), "started_at changed")
		return now.LastHeartbeatAt.After(got.LastHeartbeatAt)
	}, consumerWait, consumerTick, "no heartbeat renewed the entry")

	require.NoError(t, c.Stop())
	require.NotContains(t, b.listed(t), "conformance-listed")
	require.False(t, b.consumerRow(t, "conformance-listed"), "Stop left the row")
}

func testConsumersDeadConsumer(t *testing.T, d Driver) {
	t.Parallel()
	tests := []struct {
		name string
		die  func(t *testing.T, b *consumerBundle, id string)
	}{
		{"HeartbeatStopped", func(t *testing.T, b *consumerBundle, id string) {
			// A consumer's heartbeat that stops without deleting its row,
			// as when its process is killed.
			h, err := engine.NewHeartbeat(engine.HeartbeatConfig{Executor: b.Executor(t), ID: id,
				Workers: map[string]int{"conf:dead": 2}, Interval: 100 * time.Millisecond})
			require.NoError(t, err)
			t.Cleanup(h.Stop)
			require.NoError(t, h.Start(context.Background()))
			require.Contains(t, b.listed(t), id)
			h.StopBeating()
			require.True(t, b.consumerRow(t, id))
		}},
		{"OldHeartbeat", func(t *testing.T, b *consumerBundle, id string) {
			// The row of a consumer that died an hour ago.
			_, err := b.Check.ExecContext(context.Background(), `
INSERT INTO asynqpg_consumers (id, hostname, pid, workers, started_at, heartbeat_at, expires_at)
VALUES ($1, 'gone', 1, '{"conf:dead": 2}', now() - interval '2 hours', now() - interval '1 hour',
	now() - interval '1 hour' + interval '15 seconds')`, id)
			require.NoError(t, err)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupConsumer(t, d)
			const id = "conformance-dead"
			tt.die(t, b, id)
			require.Eventually(t, func() bool {
				_, listed := b.listed(t)[id]
				return !listed
			}, consumerWait, consumerTick, "the dead consumer stays listed")
			b.enqueueTask(t, asynqpg.NewTask("conf:dead", []byte(`{}`)))
			unserved, err := b.Client.ListUnservedTaskTypes(context.Background())
			require.NoError(t, err)
			require.Equal(t, []string{"conf:dead"}, unserved, "a dead consumer serves nothing")

			// A live consumer's heartbeat deletes the dead one's row.
			b.startServing(t, "conformance-alive", map[string]int{"conf:other": 1})
			require.Eventually(t, func() bool { return !b.consumerRow(t, id) },
				consumerWait, consumerTick, "the dead consumer's row is never deleted")
			require.Contains(t, b.listed(t), "conformance-alive")
		})
	}
}

func testConsumersUnservedTypes(t *testing.T, d Driver) {
	t.Parallel()
	b := setupConsumer(t, d)
	ctx := context.Background()
	unserved := func() []string {
		t.Helper()
		types, err := b.Client.ListUnservedTaskTypes(ctx)
		require.NoError(t, err)
		return types
	}
	require.Empty(t, unserved())

	b.enqueueTask(t, asynqpg.NewTask("conf:mistyped", []byte(`{}`)))
	b.enqueueTask(t, asynqpg.NewTask("conf:served", []byte(`{}`)))
	b.enqueueTask(t, asynqpg.NewTask("conf:later", []byte(`{}`), asynqpg.WithDelay(time.Hour)))
	require.Equal(t, []string{"conf:mistyped", "conf:served"}, unserved(), "a delayed task counts only once ready")

	b.startServing(t, "conformance-served", map[string]int{"conf:served": 1})
	require.Equal(t, []string{"conf:mistyped"}, unserved())

	b.startServing(t, "conformance-fixed", map[string]int{"conf:mistyped": 1})
	require.Empty(t, unserved())
}
