package consumer_test

import "context"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/consumer"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"

func TestHeartbeatIntervalChecked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		interval time.Duration
		want     string // "" for no error
	}{
		{"default", 0, ""},
		{"short", time.Millisecond, ""},
		{"longest", consumer.MaxInterval, ""},
		{"negative", -time.Second, "consumer: Config.HeartbeatInterval is -1s: must not be negative"},
		{"too long", consumer.MaxInterval + 1, "consumer: Config.HeartbeatInterval is 168h0m0.000000001s: must be at most 168h0m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := consumer.New(consumer.Config{Pool: fakePool{}, HeartbeatInterval: tt.interval})
			if tt.want == "" {
				require.NoError(t, err)
				require.NotNil(t, c)
				return
			}
			require.EqualError(t, err, tt.want)
			require.Nil(t, c)
		})
	}
}

func TestStartFailsWhenHeartbeatCannotBeWritten(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	exec := func(q string) {
		t.Helper()
		_, err := b.pool.Exec(ctx, q)
		require.NoError(t, err)
	}
	exec(`CREATE FUNCTION refuse_consumers() RETURNS trigger LANGUAGE plpgsql AS
		$$ BEGIN RAISE EXCEPTION 'consumers refused'; END $$`)
	exec(`CREATE TRIGGER refuse BEFORE INSERT ON asynqpg_consumers FOR EACH ROW EXECUTE FUNCTION refuse_consumers()`)
	id := b.enqueueMany(t, "hb", 1)[0]

	cfg := b.config(b.pool)
	cfg.ClientID = "refused"
	c, err := consumer.New(cfg)
	require.NoError(t, err)
	require.NoError(t, c.RegisterTaskHandler("hb", consumer.TaskHandlerFunc(
		func(context.Context, *asynqpg.TaskInfo) error { return nil })))
	err = c.Start()
	require.ErrorContains(t, err, "consumer: Start: record the consumer: ")
	require.ErrorContains(t, err, "consumers refused")
	require.NoError(t, c.Stop(), "nothing runs after a failed Start")
	require.Equal(t, asynqpg.TaskStatusPending, b.status(t, id))

	// Once the row can be written, Start works and the consumer is listed.
	exec(`DROP TRIGGER refuse ON asynqpg_consumers`)
	require.NoError(t, c.Start())
	t.Cleanup(func() { _ = c.Stop() })
	var workers string
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT workers::text FROM asynqpg_consumers WHERE id = 'refused'`).Scan(&workers))
	require.JSONEq(t, `{"hb": 10}`, workers)
	require.Eventually(t, func() bool { return b.status(t, id) == asynqpg.TaskStatusCompleted },
		10*time.Second, 10*time.Millisecond)
	require.NoError(t, c.Stop())
	var n int
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT count(*) FROM asynqpg_consumers`).Scan(&n))
	require.Zero(t, n, "Stop left the row")
}

// TestKilledConsumerLeavesTheList kills a consumer process: its row stays
// (nothing deleted it) but stops being listed once three of its heartbeat
// intervals (the default, 5s) have passed, and the heartbeat of a live
// consumer deletes it.
func TestKilledConsumerLeavesTheList(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	cl, err := client.New(client.Config{Pool: pgxv5driver.New(b.pool)})
	require.NoError(t, err)
	listedTypes := func() map[string][]string {
		list, err := cl.ListConsumers(ctx)
		require.NoError(t, err)
		out := map[string][]string{}
		for _, c := range list {
			out[c.ID] = c.TaskTypes
		}
		return out
	}

	kill, out := startDoomedConsumer(t, b.url)
	var child string
	require.Eventually(t, func() bool {
		for id, types := range listedTypes() {
			if len(types) == 1 && types[0] == doomedType {
				child = id
			}
		}
		return child != ""
	}, 30*time.Second, 20*time.Millisecond, "the child was never listed; its output:\n%s", out)
	killed := time.Now()
	kill()
	require.Contains(t, listedTypes(), child, "a killed process deletes nothing")

	cfg := b.config(b.pool)
	cfg.ClientID = "survivor"
	cfg.HeartbeatInterval = 100 * time.Millisecond
	c, err := consumer.New(cfg)
	require.NoError(t, err)
	require.NoError(t, c.RegisterTaskHandler("other", consumer.TaskHandlerFunc(
		func(context.Context, *asynqpg.TaskInfo) error { return nil })))
	require.NoError(t, c.Start())
	t.Cleanup(func() { require.NoError(t, c.Stop()) })

	window := 3 * consumer.DefaultHeartbeatInterval
	require.Eventually(t, func() bool {
		_, listed := listedTypes()[child]
		return !listed
	}, window+30*time.Second, 50*time.Millisecond, "the killed consumer stays listed")
	require.Greater(t, time.Since(killed), window-consumer.DefaultHeartbeatInterval,
		"left the list before its window could have passed")
	var rows int
	require.Eventually(t, func() bool {
		require.NoError(t, b.pool.QueryRow(ctx, `SELECT count(*) FROM asynqpg_consumers WHERE id = $1`, child).Scan(&rows))
		return rows == 0
	}, 30*time.Second, 50*time.Millisecond, "the killed consumer's row is never deleted")
	require.Contains(t, listedTypes(), "survivor")
}
