package engine

import "context"
import "errors"
import "fmt"
import "sync"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/testfixture"

// periodicInsert is an Enqueue of a PeriodicEntry that inserts a task of
// type typ whose payload is the instant, in RFC 3339.
func periodicInsert(typ string) func(ctx context.Context, tx driver.Executor, at time.Time) error {
	return func(ctx context.Context, tx driver.Executor, at time.Time) error {
		_, _, err := InsertTask(ctx, tx, NewTask{Type: typ, Payload: []byte(at.Format(time.RFC3339Nano)), Attempts: 1})
		return err
	}
}

// periodicInstants returns the payloads of the tasks of type typ, in ID
// order.
func (b *maintBundle) periodicInstants(t *testing.T, typ string) []string {
	t.Helper()
	rows, err := b.db.Query(`SELECT convert_from(payload, 'UTF8') FROM asynqpg_tasks WHERE type = $1 ORDER BY id`, typ)
	require.NoError(t, err)
	defer func() { _ = rows.Close() }()
	return testfixture.Column[string](t, rows)
}

// periodicLast returns the last_at of name, or the zero time when it has
// no row.
func (b *maintBundle) periodicLast(t *testing.T, name string) time.Time {
	t.Helper()
	var at time.Time
	err := b.db.QueryRow(`SELECT last_at FROM asynqpg_periodic WHERE name = $1`, name).Scan(&at)
	if err != nil {
		require.ErrorContains(t, err, "no rows")
		return time.Time{}
	}
	return at.UTC()
}

func TestPeriodicConfigRefused(t *testing.T) {
	t.Parallel()
	every, err := ParseSchedule("@every 1s")
	require.NoError(t, err)
	enqueue := periodicInsert("x")
	for _, tc := range []struct {
		name    string
		entries []PeriodicEntry
		want    string
	}{
		{"no name", []PeriodicEntry{{Schedule: every, Enqueue: enqueue}}, "Periodic[0] has no name"},
		{"twice", []PeriodicEntry{{"a", every, enqueue}, {"a", every, enqueue}}, `Periodic[1]: name "a" is used twice`},
		{"no schedule", []PeriodicEntry{{Name: "a", Enqueue: enqueue}}, `Periodic[0] ("a") has no schedule`},
		{"no enqueue", []PeriodicEntry{{Name: "a", Schedule: every}}, `Periodic[0] ("a") has no Enqueue`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewMaintainer(MaintainerConfig{Executor: &refusedExecutor{}, ClientID: "c", Periodic: tc.entries})
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// refusedExecutor is an Executor for configurations that are refused
// before any statement runs.
type refusedExecutor struct{ driver.Executor }

func TestPeriodicInstantEnqueuedOnce(t *testing.T) {
	t.Parallel()
	b := setupMaintenance(t)
	ms := []*Maintainer{
		b.newMaintainer(t, MaintainerConfig{ClientID: "one"}),
		b.newMaintainer(t, MaintainerConfig{ClientID: "two", Executor: openMaintExecutor(t, b.url)}),
	}
	entry := PeriodicEntry{Name: "report", Enqueue: periodicInsert("report")}
	at := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)

	// Both enqueue the same instant at once, several times over: one task.
	var wg sync.WaitGroup
	for range 4 {
		for _, m := range ms {
			wg.Go(func() { require.NoError(t, m.enqueueInstant(context.Background(), entry, at)) })
		}
	}
	wg.Wait()
	require.Equal(t, []string{"2026-12-07T06:00:00Z"}, b.periodicInstants(t, "report"))
	require.Equal(t, at, b.periodicLast(t, "report"))

	// An earlier instant is not enqueued once a later one is; a later one is.
	require.NoError(t, ms[1].enqueueInstant(context.Background(), entry, at.Add(-time.Second)))
	require.NoError(t, ms[1].enqueueInstant(context.Background(), entry, at.Add(time.Second)))
	require.Equal(t, []string{"2026-12-07T06:00:00Z", "2026-12-07T06:00:01Z"}, b.periodicInstants(t, "report"))
	require.Equal(t, at.Add(time.Second), b.periodicLast(t, "report"))
}

func TestPeriodicInstantOutcomes(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	boom := errors.New("boom")
	for _, tc := range []struct {
		name     string
		result   error // returned by Enqueue after it inserted its task
		wantErr  error
		marked   bool
		wantTask bool
	}{
		{"enqueued", nil, nil, true, true},
		{"skipped: the mark stays, the task is not kept", ErrPeriodicSkip, nil, true, false},
		{"failed: all rolled back", boom, boom, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setupMaintenance(t)
			m := b.newMaintainer(t, MaintainerConfig{})
			insert := periodicInsert("job")
			entry := PeriodicEntry{Name: "job", Enqueue: func(ctx context.Context, tx driver.Executor, at time.Time) error {
				if err := insert(ctx, tx, at); err != nil {
					return err
				}
				if tc.result == ErrPeriodicSkip {
					// A skip builds no task: undo this one to see the mark alone.
					_, err := tx.Exec(ctx, `DELETE FROM asynqpg_tasks WHERE type = 'job'`)
					require.NoError(t, err)
				}
				return tc.result
			}}
			err := m.enqueueInstant(context.Background(), entry, at)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, tc.marked, !b.periodicLast(t, "job").IsZero())
			require.Equal(t, tc.wantTask, len(b.periodicInstants(t, "job")) == 1)
		})
	}
}

func TestPeriodicLeaderEnqueuesEachInstant(t *testing.T) {
	t.Parallel()
	b := setupMaintenance(t)
	every, err := ParseSchedule("@every 1s")
	require.NoError(t, err)
	m := b.newMaintainer(t, MaintainerConfig{
		LeaderTTL: 1500 * time.Millisecond, ElectInterval: 250 * time.Millisecond, JanitorInterval: time.Hour,
		Periodic: []PeriodicEntry{{Name: "tick", Schedule: every, Enqueue: periodicInsert("tick")}},
	})
	require.NoError(t, m.Start(context.Background()))
	require.Eventually(t, func() bool { return len(b.periodicInstants(t, "tick")) >= 3 }, 30*time.Second, 20*time.Millisecond)
	m.Stop()

	got := b.periodicInstants(t, "tick")
	for i, s := range got {
		at, err := time.Parse(time.RFC3339Nano, s)
		require.NoError(t, err)
		require.Zero(t, at.Nanosecond(), "instants are whole seconds: %s", s)
		if i > 0 {
			prev, _ := time.Parse(time.RFC3339Nano, got[i-1])
			require.Equal(t, time.Second, at.Sub(prev), "consecutive instants, none twice: %v", got)
		}
	}
}

func TestPeriodicSkewedClockFollowsDatabaseClock(t *testing.T) {
	t.Parallel()
	every, err := ParseSchedule("@every 1s")
	require.NoError(t, err)
	for _, skew := range []time.Duration{-time.Hour, time.Hour} {
		t.Run(fmt.Sprintf("skew %v", skew), func(t *testing.T) {
			t.Parallel()
			b := setupMaintenance(t)
			m := b.newMaintainer(t, MaintainerConfig{
				LeaderTTL: 1500 * time.Millisecond, ElectInterval: 250 * time.Millisecond, JanitorInterval: time.Hour,
				Periodic: []PeriodicEntry{{Name: "tick", Schedule: every, Enqueue: periodicInsert("tick")}},
				now:      skewedClock(skew),
			})
			require.NoError(t, m.Start(context.Background()))
			require.Eventually(t, func() bool { return len(b.periodicInstants(t, "tick")) >= 2 }, 30*time.Second, 20*time.Millisecond)
			m.Stop()

			// Each task was enqueued at its instant by the database clock
			// (created_at is the insert's now()), not an hour off; within
			// the precision of reading that clock over a connection.
			rows, err := b.db.Query(`SELECT convert_from(payload, 'UTF8'), created_at FROM asynqpg_tasks WHERE type = 'tick'`)
			require.NoError(t, err)
			defer func() { _ = rows.Close() }()
			for rows.Next() {
				var (
					s       string
					created time.Time
				)
				require.NoError(t, rows.Scan(&s, &created))
				at, err := time.Parse(time.RFC3339Nano, s)
				require.NoError(t, err)
				late := created.Sub(at)
				require.True(t, late > -50*time.Millisecond && late < 5*time.Second, "instant %v enqueued at %v", at, created)
			}
			require.NoError(t, rows.Err())
		})
	}
}
