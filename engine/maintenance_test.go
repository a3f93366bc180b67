package engine

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/driver"
	"github.com/yakser/asynqpg/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// maintBundle is what a maintenance test works with.
type maintBundle struct {
	url string
	ex  driver.Executor // the engine's Executor, over sqlx on pgx stdlib
	db  *sql.DB         // an independent pool for set-up and checks
}

// setupMaintenance gives a test its own migrated database.
func setupMaintenance(t *testing.T) *maintBundle {
	t.Helper()
	url := testdb.URL(t)
	db, err := sql.Open("pgx", url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return &maintBundle{url: url, ex: openMaintExecutor(t, url), db: db}
}

// openMaintExecutor opens a pool on url and resolves it to an Executor.
func openMaintExecutor(t *testing.T, url string) driver.Executor {
	t.Helper()
	db, err := sqlx.Open("pgx", url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	ex, err := driver.Resolve(db)
	require.NoError(t, err)
	return ex
}

// newMaintainer builds a Maintainer on the bundle's database, filling in
// the Executor and a ClientID when cfg has none; it is stopped when the
// test ends.
func (b *maintBundle) newMaintainer(t *testing.T, cfg MaintainerConfig) *Maintainer {
	t.Helper()
	if cfg.Executor == nil {
		cfg.Executor = b.ex
	}
	if cfg.ClientID == "" {
		cfg.ClientID = "client-1"
	}
	m, err := NewMaintainer(cfg)
	require.NoError(t, err)
	t.Cleanup(m.Stop)
	return m
}

// taskSpec describes a row to insert directly.
type taskSpec struct {
	status       asynqpg.TaskStatus
	attemptsLeft int
	elapsed      int
	// blockedAgo is how long ago blocked_till (the lease of a running
	// task) passed; negative for the future.
	blockedAgo time.Duration
	// finalizedAgo, when not zero, sets finalized_at that long ago.
	finalizedAgo time.Duration
}

// insert inserts n rows as spec says and returns their IDs and attempt
// keys, in ID order.
func (b *maintBundle) insert(t *testing.T, n int, s taskSpec) (ids, keys []int64) {
	t.Helper()
	var finalizedAgo *int64
	if s.finalizedAgo != 0 {
		us := s.finalizedAgo.Microseconds()
		finalizedAgo = &us
	}
	rows, err := b.db.QueryContext(context.Background(), `
INSERT INTO asynqpg_tasks AS t (type, payload, status, attempts_left, attempts_elapsed, blocked_till, attempted_at, finalized_at)
SELECT 'maint', '\x01'::bytea, $1, $2, $3,
	now() - $4::bigint * interval '1 microsecond',
	CASE WHEN $1 = 'pending' THEN NULL ELSE now() - $4::bigint * interval '1 microsecond' - interval '1 minute' END,
	now() - $5::bigint * interval '1 microsecond'
FROM generate_series(1, $6::int)
RETURNING t.id, (extract(epoch FROM t.attempted_at) * 1000000)::bigint`,
		string(s.status), s.attemptsLeft, s.elapsed, s.blockedAgo.Microseconds(), finalizedAgo, n)
	require.NoError(t, err)
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var (
			id  int64
			key sql.NullInt64 // NULL for a task never attempted
		)
		require.NoError(t, rows.Scan(&id, &key))
		ids = append(ids, id)
		keys = append(keys, key.Int64)
	}
	require.NoError(t, rows.Err())
	require.Len(t, ids, n)
	return ids, keys
}

// insertOne inserts one row and returns its ID.
func (b *maintBundle) insertOne(t *testing.T, s taskSpec) int64 {
	t.Helper()
	ids, _ := b.insert(t, 1, s)
	return ids[0]
}

// get reads a task; nil when it does not exist.
func (b *maintBundle) get(t *testing.T, id int64) *TaskRow {
	t.Helper()
	r, err := scanTask(b.ex.QueryRow(context.Background(), sqlGetTask, id))
	if err == driver.ErrNoRows {
		return nil
	}
	require.NoError(t, err)
	return r
}

// status reads the status of a task; "" when it does not exist.
func (b *maintBundle) status(t *testing.T, id int64) asynqpg.TaskStatus {
	t.Helper()
	if r := b.get(t, id); r != nil {
		return r.Status
	}
	return ""
}

// statusUnknown is what peekStatus returns when the status could not be read.
const statusUnknown asynqpg.TaskStatus = "(unknown)"

// peekStatus reads the status of a task ("" when it does not exist)
// without touching t, so that it can be polled by require.Eventually and
// require.Never, whose last poll may outlive the test. It returns
// statusUnknown when the read fails.
func (b *maintBundle) peekStatus(id int64) asynqpg.TaskStatus {
	var s string
	err := b.db.QueryRow(`SELECT status FROM asynqpg_tasks WHERE id = $1`, id).Scan(&s)
	switch {
	case err == sql.ErrNoRows:
		return ""
	case err != nil:
		return statusUnknown
	}
	return asynqpg.TaskStatus(s)
}

// exec runs a set-up statement on the check pool.
func (b *maintBundle) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	_, err := b.db.ExecContext(context.Background(), query, args...)
	require.NoError(t, err)
}

// slowTrigger makes every row that op (UPDATE or DELETE) touches in
// asynqpg_tasks take perRow.
func (b *maintBundle) slowTrigger(t *testing.T, op string, perRow time.Duration) {
	t.Helper()
	ret := "NEW"
	if op == "DELETE" {
		ret = "OLD"
	}
	b.exec(t, fmt.Sprintf(`CREATE FUNCTION maint_slow() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN PERFORM pg_sleep(%f); RETURN %s; END$$`, perRow.Seconds(), ret))
	b.exec(t, `CREATE TRIGGER maint_slow BEFORE `+op+` ON asynqpg_tasks FOR EACH ROW EXECUTE FUNCTION maint_slow()`)
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// bufferLogger logs at every level into a buffer.
func bufferLogger() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

func TestNewMaintainerValidates(t *testing.T) {
	t.Parallel()
	ex := driver.NewStdExecutor(&sql.DB{})
	tests := []struct {
		name    string
		cfg     MaintainerConfig
		wantErr string
	}{
		{"no executor", MaintainerConfig{ClientID: "c"}, "Executor is required"},
		{"no client ID", MaintainerConfig{Executor: ex}, "ClientID is required"},
		{"negative TTL", MaintainerConfig{Executor: ex, ClientID: "c", LeaderTTL: -time.Second}, "LeaderTTL must not be negative"},
		{"negative elect interval", MaintainerConfig{Executor: ex, ClientID: "c", ElectInterval: -1}, "ElectInterval must not be negative"},
		{"negative janitor interval", MaintainerConfig{Executor: ex, ClientID: "c", JanitorInterval: -1}, "JanitorInterval must not be negative"},
		{"negative stuck threshold", MaintainerConfig{Executor: ex, ClientID: "c", StuckThreshold: -1}, "StuckThreshold must not be negative"},
		{"negative completed retention", MaintainerConfig{Executor: ex, ClientID: "c", CompletedRetention: -1}, "CompletedRetention must not be negative"},
		{"negative failed retention", MaintainerConfig{Executor: ex, ClientID: "c", FailedRetention: -1}, "FailedRetention must not be negative"},
		{"negative cancelled retention", MaintainerConfig{Executor: ex, ClientID: "c", CancelledRetention: -1}, "CancelledRetention must not be negative"},
		{"negative batch size", MaintainerConfig{Executor: ex, ClientID: "c", BatchSize: -1}, "BatchSize must not be negative"},
		{"elect interval too long for the default TTL", MaintainerConfig{Executor: ex, ClientID: "c", ElectInterval: 12 * time.Second},
			"ElectInterval (12s) must be shorter than 4/5 of LeaderTTL (12s)"},
		{"elect interval longer than TTL", MaintainerConfig{Executor: ex, ClientID: "c", LeaderTTL: time.Second, ElectInterval: 2 * time.Second},
			"ElectInterval (2s) must be shorter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := NewMaintainer(tt.cfg)
			require.ErrorContains(t, err, tt.wantErr)
			require.Nil(t, m)
		})
	}
}

func TestNewMaintainerDefaults(t *testing.T) {
	t.Parallel()
	ex := driver.NewStdExecutor(&sql.DB{})
	m, err := NewMaintainer(MaintainerConfig{Executor: ex, ClientID: "c"})
	require.NoError(t, err)
	got := m.cfg
	require.Equal(t, "default", got.LeaderName)
	require.Equal(t, 15*time.Second, got.LeaderTTL)
	require.Equal(t, 5*time.Second, got.ElectInterval)
	require.Equal(t, 30*time.Second, got.JanitorInterval)
	require.Equal(t, time.Minute, got.StuckThreshold)
	require.Equal(t, 24*time.Hour, got.CompletedRetention)
	require.Equal(t, 7*24*time.Hour, got.FailedRetention)
	require.Equal(t, 24*time.Hour, got.CancelledRetention)
	require.Equal(t, 1000, got.BatchSize)
	require.NotNil(t, got.Logger)
	require.Equal(t, 3*time.Second, m.elector.margin)

	m, err = NewMaintainer(MaintainerConfig{Executor: ex, ClientID: "c", LeaderTTL: 3 * time.Second})
	require.NoError(t, err)
	require.Equal(t, time.Second, m.cfg.ElectInterval, "ElectInterval defaults to a third of LeaderTTL")
}

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
