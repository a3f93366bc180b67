package client_test

import "context"
import "database/sql"
import "errors"
import "strconv"
import "testing"
import "time"

import "github.com/jackc/pgx/v5"
import "github.com/jmoiron/sqlx"
import "github.com/lib/pq"
import "github.com/stretchr/testify/require"
import sdktrace "go.opentelemetry.io/otel/sdk/trace"
import "go.opentelemetry.io/otel/sdk/trace/tracetest"
import "go.opentelemetry.io/otel/trace"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/testdb"
import "github.com/yakser/asynqpg/internal/testfixture"

func TestMain(m *testing.M) { testdb.MainWithURL(m) }

type bundle struct {
	url    string
	db     *sqlx.DB
	client *client.Client
	spans  *tracetest.SpanRecorder
}

func setup(t *testing.T) *bundle {
	t.Helper()
	url := testdb.URL(t)
	std := testdb.OpenURL(t, url)
	std.SetMaxOpenConns(8) // tests run in parallel on one server
	db := sqlx.NewDb(std, "pgx")
	spans := tracetest.NewSpanRecorder()
	cl, err := client.New(client.Config{
		Pool:           db,
		TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)),
	})
	require.NoError(t, err)
	return &bundle{url: url, db: db, client: cl, spans: spans}
}

// insert inserts a task of type typ in status and returns its ID.
func (b *bundle) insert(t *testing.T, typ string, status asynqpg.TaskStatus) int64 {
	t.Helper()
	var id int64
	require.NoError(t, b.db.QueryRowContext(context.Background(),
		`INSERT INTO asynqpg_tasks (type, payload, idempotency_token) VALUES ($1, '\xc0ffee', 'tok-' || nextval('asynqpg_tasks_id_seq'))
		RETURNING id`, typ).Scan(&id))
	testfixture.SetStatus(t, b.db, id, status, "a", "b", "c")
	return id
}

// stored reads task id directly; nil when it does not exist.
func (b *bundle) stored(t testing.TB, id int64) *client.TaskInfo {
	t.Helper()
	var (
		ti     client.TaskInfo
		status string
		msgs   []string
	)
	err := b.db.QueryRowContext(context.Background(), `
		SELECT id, type, payload, status, idempotency_token, messages, blocked_till, attempts_left,
			attempts_elapsed, created_at, updated_at, finalized_at, attempted_at
		FROM asynqpg_tasks WHERE id = $1`, id).Scan(&ti.ID, &ti.Type, &ti.Payload, &status, &ti.IdempotencyToken,
		(*pq.StringArray)(&msgs), &ti.BlockedTill, &ti.AttemptsLeft, &ti.AttemptsElapsed, &ti.CreatedAt, &ti.UpdatedAt,
		&ti.FinalizedAt, &ti.AttemptedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	require.NoError(t, err)
	ti.Status = asynqpg.TaskStatus(status)
	ti.Messages = msgs
	driver.NormalizeTimes([]any{&ti.BlockedTill, &ti.CreatedAt, &ti.UpdatedAt, &ti.FinalizedAt, &ti.AttemptedAt})
	return &ti
}

// listen opens a connection of its own that listens on channels, closed
// when the test ends.
func (b *bundle) listen(t *testing.T, channels ...string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), b.url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	for _, ch := range channels {
		_, err = conn.Exec(context.Background(), "LISTEN "+ch)
		require.NoError(t, err)
	}
	return conn
}

func TestNew(t *testing.T) {
	t.Parallel()
	_, err := client.New(client.Config{})
	require.EqualError(t, err, "database pool is required")
	_, err = client.New(client.Config{Pool: (*sqlx.DB)(nil)})
	require.EqualError(t, err, "database pool is required")
	unused, err := sql.Open("pgx", "postgres://127.0.0.1:1/never") // opened lazily: never connected
	require.NoError(t, err)
	cl, err := client.New(client.Config{Pool: sqlx.NewDb(unused, "pgx")})
	require.NoError(t, err)
	require.NotNil(t, cl)
}

func TestErrorTexts(t *testing.T) {
	t.Parallel()
	require.EqualError(t, client.ErrTaskNotFound, "task not found")
	require.EqualError(t, client.ErrTaskRunning, "task is currently running")
	require.EqualError(t, client.ErrTaskAlreadyFinalized, "task is already in a terminal state")
	require.EqualError(t, client.ErrTaskAlreadyAvailable, "task is already available for processing")
}

type op func(c *client.Client, ctx context.Context, id int64) (*client.TaskInfo, error)

var ops = map[string]op{
	"cancel": (*client.Client).CancelTask,
	"retry":  (*client.Client).RetryTask,
	"delete": (*client.Client).DeleteTask,
}

func TestStateChanges(t *testing.T) {
	t.Parallel()
	b := setup(t)
	errs := testfixture.StateErrors{NotFound: client.ErrTaskNotFound, AlreadyFinalized: client.ErrTaskAlreadyFinalized,
		AlreadyAvailable: client.ErrTaskAlreadyAvailable, Running: client.ErrTaskRunning}
	insert := func(t *testing.T, status asynqpg.TaskStatus) int64 { return b.insert(t, "state", status) }
	testfixture.RunStateCases(t, insert, func(t *testing.T, tt testfixture.StateCase, id int64) {
		wantErr := tt.WantErr(errs)
		ctx := context.Background()
		before := b.stored(t, id)
		got, err := ops[tt.Op](b.client, ctx, id)
		after := b.stored(t, id)
		if wantErr != nil {
			require.Equal(t, wantErr, err, "the sentinel itself, not wrapped")
			require.Equal(t, before, after)
			// A refused action returns the task as it is; a missing
			// task, none.
			require.Equal(t, before, got)
			return
		}
		require.NoError(t, err)
		switch tt.Op {
		case "delete":
			require.Nil(t, after)
			require.Equal(t, before, got)
		case "cancel":
			require.Equal(t, after, got)
			require.Equal(t, asynqpg.TaskStatusCancelled, got.Status)
			require.NotNil(t, got.FinalizedAt)
			if tt.Status == asynqpg.TaskStatusCancelled {
				require.Equal(t, before, after, "no-op")
			}
		case "retry":
			require.Equal(t, after, got)
			require.Equal(t, asynqpg.TaskStatusPending, got.Status)
			require.Nil(t, got.FinalizedAt)
			require.GreaterOrEqual(t, got.AttemptsLeft, 1)
			require.Equal(t, got.UpdatedAt, got.BlockedTill, "ready now")
		}
	})
}

func TestGetTask(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	id := b.insert(t, "get", asynqpg.TaskStatusFailed)
	got, err := b.client.GetTask(ctx, id)
	require.NoError(t, err)
	require.Equal(t, b.stored(t, id), got)
	require.Equal(t, []byte{0xc0, 0xff, 0xee}, got.Payload)
	require.Equal(t, []string{"a", "b", "c"}, got.Messages)
	require.Equal(t, time.UTC, got.CreatedAt.Location())

	_, err = b.client.GetTask(ctx, testfixture.MissingID)
	require.ErrorIs(t, err, client.ErrTaskNotFound)
}

// TestCancelRunningNotifies checks that cancelling a running task notifies
// consumers, on commit only.
func TestCancelRunningNotifies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	conn := b.listen(t, "asynqpg_cancel")

	rolledBack := b.insert(t, "notify", asynqpg.TaskStatusRunning)
	pendingTask := b.insert(t, "notify", asynqpg.TaskStatusPending)
	committed := b.insert(t, "notify", asynqpg.TaskStatusRunning)

	tx, err := b.db.BeginTxx(ctx, nil)
	require.NoError(t, err)
	_, err = b.client.CancelTaskTx(ctx, tx, rolledBack)
	require.NoError(t, err)
	require.NoError(t, tx.Rollback())
	_, err = b.client.CancelTask(ctx, pendingTask) // not running: no notification
	require.NoError(t, err)
	_, err = b.client.CancelTask(ctx, committed)
	require.NoError(t, err)

	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	n, err := conn.WaitForNotification(wctx)
	require.NoError(t, err)
	require.Equal(t, "asynqpg_cancel", n.Channel)
	require.Equal(t, strconv.FormatInt(committed, 10), n.Payload, "the first notification is the committed cancel")
}

// TestRace runs many cancels, retries and deletes of one task at once:
// every result must be one the state tables allow for some order of them.
func TestRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	id := b.insert(t, "race", asynqpg.TaskStatusCancelled)
	const perOp = 5
	changes := make(map[string]func() testfixture.ChangeResult, len(ops))
	for name, fn := range ops {
		changes[name] = func() testfixture.ChangeResult {
			got, err := fn(b.client, ctx, id)
			if err != nil {
				return testfixture.ChangeResult{Err: err}
			}
			return testfixture.ChangeResult{Status: got.Status, FinalizedAt: got.FinalizedAt, AttemptsLeft: got.AttemptsLeft}
		}
	}
	testfixture.CheckChangeRace(t, testfixture.RaceChanges(perOp, changes), perOp, true, testfixture.ChangeErrors{
		NotFound: client.ErrTaskNotFound, AlreadyAvailable: client.ErrTaskAlreadyAvailable})
	require.Nil(t, b.stored(t, id))
}

func TestSpans(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id := b.insert(t, "span", asynqpg.TaskStatusFailed)
	_, err := b.client.GetTask(ctx, id)
	require.NoError(t, err)
	_, err = b.client.ListTasks(ctx, nil)
	require.NoError(t, err)
	_, err = b.client.RetryTask(ctx, id)
	require.NoError(t, err)
	_, err = b.client.CancelTask(ctx, id)
	require.NoError(t, err)
	_, err = b.client.DeleteTask(ctx, id)
	require.NoError(t, err)
	_, err = b.client.DeleteTask(ctx, id)
	require.ErrorIs(t, err, client.ErrTaskNotFound)

	want := []string{asynqpg.SpanGetTask, asynqpg.SpanListTasks, asynqpg.SpanRetryTask, asynqpg.SpanCancelTask,
		asynqpg.SpanDeleteTask, asynqpg.SpanDeleteTask}
	ended := b.spans.Ended()
	require.Len(t, ended, len(want))
	for i, s := range ended {
		require.Equal(t, want[i], s.Name())
		require.Equal(t, trace.SpanKindClient, s.SpanKind())
	}
	require.Len(t, ended[len(ended)-1].Events(), 1, "the error is recorded")
}
