package conformance

import "context"
import "database/sql"
import "encoding/json"
import "errors"
import "testing"
import "time"

import "github.com/jackc/pgx/v5"
import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/testfixture"
import "github.com/yakser/asynqpg/producer"

// The producer and client chapters share an apiBundle: a Producer and a
// Client on the entry's Pool, and runners that call either the plain
// methods or, for a TxEntry, the *Tx methods in a transaction begun
// through the adapter and committed afterwards.

// apiWaitTimeout bounds waits for something that must happen (a
// notification); generous, for slow machines.
const apiWaitTimeout = time.Minute

// apiOpTimeout bounds one call under test, so that a call waiting forever
// (for a lock or a connection it never gets) fails its test instead of
// hanging the suite; generous, for slow machines.
const apiOpTimeout = 2 * time.Minute

// opContext is the context of one call under test.
func opContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), apiOpTimeout)
	t.Cleanup(cancel)
	return ctx
}

// apiBundle is what a producer- or client-chapter test works with.
type apiBundle struct {
	*Bundle
	Producer *producer.Producer
	Client   *client.Client
}

// setupAPI gives a test its own database with a Producer (configured by
// cfg, whose Pool is set here) and a Client on the entry's Pool.
func setupAPI(t *testing.T, d Driver, cfg producer.Config) *apiBundle {
	t.Helper()
	b := Setup(t, d)
	cfg.Pool = b.Pool
	p, err := producer.New(cfg)
	require.NoError(t, err)
	c, err := client.New(client.Config{Pool: b.Pool})
	require.NoError(t, err)
	return &apiBundle{Bundle: b, Producer: p, Client: c}
}

// shared makes a section of test, run on b: the chapter's one database
// for the tests that keep to tasks of their own.
func (b *apiBundle) shared(test func(t *testing.T, b *apiBundle)) func(t *testing.T, d Driver) {
	return func(t *testing.T, _ Driver) { test(t, b) }
}

// viaTx runs call in a transaction begun through the adapter and commits
// it, whatever call returned: a failed call must leave the caller's
// transaction usable.
func viaTx[T any](t *testing.T, b *apiBundle, call func(q asynqpg.Querier) (T, error)) (T, error) {
	t.Helper()
	tx := b.Begin(t)
	v, err := call(tx.Querier)
	require.NoError(t, tx.Commit(context.Background()), "commit after the call (its error: %v)", err)
	return v, err
}

// enqueue enqueues through the entry's subject: the Pool, or a committed
// transaction for a TxEntry.
func (b *apiBundle) enqueue(t *testing.T, task *asynqpg.Task, opts ...producer.EnqueueOption) (int64, error) {
	t.Helper()
	ctx := opContext(t)
	if !b.Driver.TxEntry {
		return b.Producer.Enqueue(ctx, task, opts...)
	}
	return viaTx(t, b, func(q asynqpg.Querier) (int64, error) { return b.Producer.EnqueueTx(ctx, q, task, opts...) })
}

// enqueueMany is enqueue for a batch.
func (b *apiBundle) enqueueMany(t *testing.T, tasks []*asynqpg.Task) ([]int64, error) {
	t.Helper()
	ctx := opContext(t)
	if !b.Driver.TxEntry {
		return b.Producer.EnqueueMany(ctx, tasks)
	}
	return viaTx(t, b, func(q asynqpg.Querier) ([]int64, error) { return b.Producer.EnqueueManyTx(ctx, q, tasks) })
}

// mustEnqueue enqueues a ready task of type typ with a payload.
func (b *apiBundle) mustEnqueue(t *testing.T, typ string) int64 {
	t.Helper()
	id, err := b.enqueue(t, asynqpg.NewTask(typ, []byte("payload")))
	require.NoError(t, err)
	return id
}

// stored reads task id through Check: the committed state. Nil when there
// is no such task.
func (b *apiBundle) stored(t testing.TB, id int64) *client.TaskInfo {
	t.Helper()
	var (
		s        client.TaskInfo
		status   string
		messages string
	)
	err := b.Check.QueryRowContext(context.Background(), `
		SELECT id, type, payload, status, idempotency_token, array_to_json(messages)::text, blocked_till,
			attempts_left, attempts_elapsed, created_at, updated_at, finalized_at, attempted_at, priority
		FROM asynqpg_tasks WHERE id = $1`, id).Scan(&s.ID, &s.Type, &s.Payload, &status, &s.IdempotencyToken,
		&messages, &s.BlockedTill, &s.AttemptsLeft, &s.AttemptsElapsed, &s.CreatedAt, &s.UpdatedAt,
		&s.FinalizedAt, &s.AttemptedAt, &s.Priority)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	require.NoError(t, err)
	s.Status = asynqpg.TaskStatus(status)
	require.NoError(t, json.Unmarshal([]byte(messages), &s.Messages))
	if s.Payload == nil {
		s.Payload = []byte{}
	}
	driver.NormalizeTimes([]any{&s.BlockedTill, &s.CreatedAt, &s.UpdatedAt, &s.FinalizedAt, &s.AttemptedAt})
	return &s
}

// countType counts the committed tasks of the given types.
func (b *apiBundle) countType(t testing.TB, types ...string) int {
	t.Helper()
	return testfixture.CountTypes(t, b.Check, types...)
}

// dbNow is the database clock.
func (b *apiBundle) dbNow(t testing.TB) time.Time {
	t.Helper()
	var now time.Time
	require.NoError(t, b.Check.QueryRowContext(context.Background(), `SELECT now()`).Scan(&now))
	return now.UTC()
}

// setStatus puts task id in status, the way a consumer would leave it.
func (b *apiBundle) setStatus(t testing.TB, id int64, status asynqpg.TaskStatus) {
	t.Helper()
	testfixture.SetStatus(t, b.Check, id, status, "first", "second", "third")
}

// taskIn enqueues a task of type typ and puts it in status.
func (b *apiBundle) taskIn(t *testing.T, typ string, status asynqpg.TaskStatus) int64 {
	t.Helper()
	id := b.mustEnqueue(t, typ)
	b.setStatus(t, id, status)
	return id
}

// listen opens a connection of its own (pgx, not the adapter) that
// listens on channel.
func (b *apiBundle) listen(t testing.TB, channel string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, b.URL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	_, err = conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize())
	require.NoError(t, err)
	return conn
}

// nextNotification waits for the next notification on conn.
func nextNotification(t testing.TB, conn *pgx.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), apiWaitTimeout)
	defer cancel()
	n, err := conn.WaitForNotification(ctx)
	require.NoError(t, err)
	return n.Payload
}

// countingPool is the entry's Pool with the engine's statements counted:
// it hands the engine a counting wrapper of the adapter's own Executor.
type countingPool struct {
	asynqpg.Pool
	ex *testfixture.CountingExecutor
}

func (p *countingPool) Executor() driver.Executor { return p.ex }

// countingQuerier is a transaction's Querier with the engine's
// statements counted.
type countingQuerier struct {
	asynqpg.Querier
	ex *testfixture.CountingExecutor
}

func (q *countingQuerier) Executor() driver.Executor { return q.ex }

// newCountingExecutor wraps the Executor behind handle.
func newCountingExecutor(t testing.TB, handle any) *testfixture.CountingExecutor {
	t.Helper()
	ex, err := driver.Resolve(handle)
	require.NoError(t, err)
	return testfixture.NewCountingExecutor(ex)
}
