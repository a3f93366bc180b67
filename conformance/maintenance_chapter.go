package conformance

import "context"
import "database/sql"
import "encoding/json"
import "sync"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/engine"

// The maintenance chapter proves that through the entry's Pool the rescuer
// and the cleaner read and write tasks correctly (every column of a rescued
// row comes back as stored), leader election keeps one leader and hands
// over when it resigns, and a statement timeout is recognised so that
// maintenance finishes in smaller batches. Transaction entries are left
// out: maintenance runs on a Pool.

// runMaintenanceChapter runs the maintenance chapter against d.
func runMaintenanceChapter(t *testing.T, d Driver) {
	runSections(t, d, nil, []section{
		{"RunOnce", testMaintenanceRunOnce},
		{"Election", testMaintenanceElection},
		{"StatementTimeout", testMaintenanceStatementTimeout},
	})
}

// maintenanceInsert inserts a task directly and returns its ID. A running
// task's lease passed leaseAgo ago; a finalized one finished finalizedAgo
// ago.
func maintenanceInsert(t *testing.T, b *Bundle, status asynqpg.TaskStatus, attemptsLeft int,
	token *string, leaseAgo, finalizedAgo time.Duration,
) int64 {
	t.Helper()
	var finalized *int64
	if status.IsFinalized() {
		us := finalizedAgo.Microseconds()
		finalized = &us
	}
	var id int64
	require.NoError(t, b.Check.QueryRowContext(context.Background(), `
INSERT INTO asynqpg_tasks (type, payload, status, idempotency_token, messages, attempts_left, attempts_elapsed,
	blocked_till, attempted_at, finalized_at)
VALUES ('maintenance', '\x00ff27', $1, $2, ARRAY['first, "quoted"'], $3, 1,
	now() - $4::bigint * interval '1 microsecond',
	now() - $4::bigint * interval '1 microsecond' - interval '1 minute',
	now() - $5::bigint * interval '1 microsecond')
RETURNING id`, string(status), token, attemptsLeft, leaseAgo.Microseconds(), finalized).Scan(&id))
	return id
}

// maintenanceStatus reads a task's status; "" when it is gone.
func maintenanceStatus(t *testing.T, b *Bundle, id int64) asynqpg.TaskStatus {
	t.Helper()
	var s string
	err := b.Check.QueryRowContext(context.Background(), `SELECT status FROM asynqpg_tasks WHERE id = $1`, id).Scan(&s)
	if err == sql.ErrNoRows {
		return ""
	}
	require.NoError(t, err)
	return asynqpg.TaskStatus(s)
}

func testMaintenanceRunOnce(t *testing.T, d Driver) {
	t.Parallel()
	b := Setup(t, d)
	token := "token 'one'"
	requeue := maintenanceInsert(t, b, asynqpg.TaskStatusRunning, 3, nil, time.Hour, 0)
	fail := maintenanceInsert(t, b, asynqpg.TaskStatusRunning, 1, &token, time.Hour, 0)
	fresh := maintenanceInsert(t, b, asynqpg.TaskStatusRunning, 1, nil, -time.Hour, 0)
	old := maintenanceInsert(t, b, asynqpg.TaskStatusCompleted, 3, nil, 0, 25*time.Hour)
	recent := maintenanceInsert(t, b, asynqpg.TaskStatusCompleted, 3, nil, 0, time.Hour)
	oldFailed := maintenanceInsert(t, b, asynqpg.TaskStatusFailed, 0, nil, 0, 8*24*time.Hour)
	oldCancelled := maintenanceInsert(t, b, asynqpg.TaskStatusCancelled, 3, nil, 0, 25*time.Hour)

	var (
		mu       sync.Mutex
		reported []*asynqpg.TaskInfo
	)
	m, err := engine.NewMaintainer(engine.MaintainerConfig{
		Executor: b.Executor(t), ClientID: "conformance", BatchSize: 2,
		ErrorHandler: asynqpg.ErrorHandlerFunc(func(_ context.Context, task *asynqpg.TaskInfo, err error) {
			require.ErrorIs(t, err, engine.ErrAttemptStuck)
			mu.Lock()
			defer mu.Unlock()
			reported = append(reported, task)
		}),
	})
	require.NoError(t, err)
	res, err := m.RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, engine.MaintenanceResult{
		Requeued: 1, Failed: 1, DeletedCompleted: 1, DeletedFailed: 1, DeletedCancelled: 1,
	}, res)

	require.Equal(t, asynqpg.TaskStatusPending, maintenanceStatus(t, b, requeue))
	require.Equal(t, asynqpg.TaskStatusFailed, maintenanceStatus(t, b, fail))
	require.Equal(t, asynqpg.TaskStatusRunning, maintenanceStatus(t, b, fresh))
	require.Equal(t, asynqpg.TaskStatusCompleted, maintenanceStatus(t, b, recent))
	for _, id := range []int64{old, oldFailed, oldCancelled} {
		require.Empty(t, maintenanceStatus(t, b, id))
	}

	// The failed task reached the ErrorHandler exactly as stored.
	var (
		createdAt, attemptedAt time.Time
		messagesJSON           string
		messages               []string
	)
	require.NoError(t, b.Check.QueryRowContext(context.Background(),
		`SELECT created_at, attempted_at, array_to_json(messages)::text FROM asynqpg_tasks WHERE id = $1`, fail).
		Scan(&createdAt, &attemptedAt, &messagesJSON))
	require.NoError(t, json.Unmarshal([]byte(messagesJSON), &messages))
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, reported, 1)
	got := reported[0]
	require.Equal(t, fail, got.ID)
	require.Equal(t, "maintenance", got.Type)
	require.Equal(t, []byte{0x00, 0xff, 0x27}, got.Payload)
	require.Equal(t, &token, got.IdempotencyToken)
	require.Equal(t, 0, got.AttemptsLeft)
	require.Equal(t, 2, got.AttemptsElapsed)
	require.Equal(t, []string{`first, "quoted"`, engine.ErrAttemptStuck.Error()}, got.Messages)
	require.Equal(t, messages, got.Messages)
	require.True(t, createdAt.Equal(got.CreatedAt), "created_at %v, reported %v", createdAt, got.CreatedAt)
	require.Equal(t, time.UTC, got.CreatedAt.Location())
	require.NotNil(t, got.AttemptedAt)
	require.True(t, attemptedAt.Equal(*got.AttemptedAt), "attempted_at %v, reported %v", attemptedAt, *got.AttemptedAt)
}

func testMaintenanceElection(t *testing.T, d Driver) {
	t.Parallel()
	b := Setup(t, d)
	const ttl = 1500 * time.Millisecond
	ex := b.Executor(t)
	ms := make([]*engine.Maintainer, 2)
	for i := range ms {
		m, err := engine.NewMaintainer(engine.MaintainerConfig{
			Executor: ex, ClientID: []string{"first", "second"}[i], LeaderTTL: ttl,
			ElectInterval: 250 * time.Millisecond, JanitorInterval: time.Hour,
		})
		require.NoError(t, err)
		t.Cleanup(m.Stop)
		require.NoError(t, m.Start(context.Background()))
		ms[i] = m
	}
	oneLeader := func() int {
		l := -1
		require.Eventually(t, func() bool {
			a, b := ms[0].IsLeader(), ms[1].IsLeader()
			switch {
			case a && !b:
				l = 0
			case b && !a:
				l = 1
			default:
				return false
			}
			return true
		}, 60*time.Second, 5*time.Millisecond)
		return l
	}
	leader := oneLeader()

	var (
		id        string
		remaining float64
	)
	require.NoError(t, b.Check.QueryRow(`SELECT leader_id, extract(epoch FROM expires_at - now()) FROM asynqpg_leader`).
		Scan(&id, &remaining))
	require.Equal(t, []string{"first", "second"}[leader], id)
	require.LessOrEqual(t, remaining, ttl.Seconds())

	ms[leader].Stop()
	require.Equal(t, 1-leader, oneLeader(), "the follower takes over when the leader resigns")
	require.NoError(t, b.Check.QueryRow(`SELECT leader_id FROM asynqpg_leader`).Scan(&id))
	require.Equal(t, []string{"first", "second"}[1-leader], id)
}

func testMaintenanceStatementTimeout(t *testing.T, d Driver) {
	t.Parallel()
	b := Setup(t, d)
	for range 40 {
		maintenanceInsert(t, b, asynqpg.TaskStatusCompleted, 3, nil, 0, 48*time.Hour)
	}
	ctx := context.Background()
	for _, stmt := range []string{
		`CREATE FUNCTION slow_delete() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN PERFORM pg_sleep(0.02); RETURN OLD; END$$`,
		`CREATE TRIGGER slow_delete BEFORE DELETE ON asynqpg_tasks FOR EACH ROW EXECUTE FUNCTION slow_delete()`,
		`DO $$BEGIN EXECUTE format('ALTER DATABASE %I SET statement_timeout = 500', current_database()); END$$`,
	} {
		_, err := b.Check.ExecContext(ctx, stmt)
		require.NoError(t, err)
	}

	// A new Pool: its sessions take the timeout.
	ex, err := driver.Resolve(d.Open(t, b.URL))
	require.NoError(t, err)
	m, err := engine.NewMaintainer(engine.MaintainerConfig{Executor: ex, ClientID: "conformance", BatchSize: 40})
	require.NoError(t, err)
	res, err := m.RunOnce(ctx)
	require.NoError(t, err, "the batch is halved until its statements fit")
	require.Equal(t, engine.MaintenanceResult{DeletedCompleted: 40}, res)
}
