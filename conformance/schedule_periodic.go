package conformance

import "context"
import "database/sql"
import "errors"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"

// periodicInstants returns the instants of the tasks of type typ, which
// carry them as their payload (RFC 3339), in ID order.
func periodicInstants(t *testing.T, b *consumerBundle, typ string) []time.Time {
	t.Helper()
	rows, err := b.Check.QueryContext(context.Background(),
		`SELECT convert_from(payload, 'UTF8') FROM asynqpg_tasks WHERE type = $1 ORDER BY id`, typ)
	require.NoError(t, err)
	defer func() { _ = rows.Close() }()
	var out []time.Time
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		at, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		out = append(out, at)
	}
	require.NoError(t, rows.Err())
	return out
}

// currentLeader returns the ID of the leader the database records, or ""
// when there is none.
func currentLeader(t *testing.T, b *consumerBundle) string {
	t.Helper()
	var id string
	err := b.Check.QueryRowContext(context.Background(),
		`SELECT leader_id FROM asynqpg_leader WHERE expires_at > now()`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return ""
	}
	require.NoError(t, err)
	return id
}

func testSchedulePeriodicLeaderChange(t *testing.T, d Driver) {
	t.Parallel()
	b := setupConsumer(t, d)
	const typ = "periodic:tick"
	consumers := map[string]*consumer.Consumer{}
	for _, id := range []string{"first", "second"} {
		cfg := b.config()
		cfg.DisableMaintenance = false
		cfg.DisableQueueHealth = true
		cfg.ClientID = id
		consumers[id] = b.start(t, cfg, func(c *consumer.Consumer) {
			handle(t, c, typ, func(context.Context, *asynqpg.TaskInfo) error { return nil })
			require.NoError(t, c.RegisterPeriodicTask(consumer.PeriodicTask{
				Name:     "tick",
				Schedule: "@every 1s",
				Task: func(at time.Time) *asynqpg.Task {
					return asynqpg.NewTask(typ, []byte(at.Format(time.RFC3339)))
				},
			}))
		})
	}

	var leader string
	require.Eventually(t, func() bool {
		leader = currentLeader(t, b)
		return leader != "" && len(periodicInstants(t, b, typ)) >= 2
	}, consumerWait, consumerTick, "the leader enqueues the instants")
	require.NoError(t, consumers[leader].Stop())
	stopped := b.dbNow(t)

	require.Eventually(t, func() bool {
		if l := currentLeader(t, b); l == "" || l == leader {
			return false
		}
		after := 0
		for _, at := range periodicInstants(t, b, typ) {
			if at.After(stopped) {
				after++
			}
		}
		return after >= 2
	}, 2*consumerWait, consumerTick, "the other consumer takes over and goes on enqueueing")

	instants := periodicInstants(t, b, typ)
	seen := map[time.Time]bool{}
	for i, at := range instants {
		require.False(t, seen[at], "instant %v enqueued twice: %v", at, instants)
		seen[at] = true
		require.Zero(t, at.UnixNano()%int64(time.Second), "instants are multiples of a second since the epoch")
		if i > 0 {
			require.True(t, at.After(instants[i-1]), "instants are enqueued in order: %v", instants)
		}
	}
}
