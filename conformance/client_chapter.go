package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/client"
	"github.com/yakser/asynqpg/internal/engine"
	"github.com/yakser/asynqpg/producer"
)

// The client chapter proves that through the entry every row of the
// client's behaviour tables (cancel, retry, delete by status) holds, that
// get and list return exactly the stored rows with filters, order, limit,
// offset and total, that every Tx method's change is visible exactly when
// the transaction commits, that cancelling a running task notifies
// consumers on commit, and that concurrent changes of one task only
// produce states the tables allow.

// runClientChapter runs the client chapter against d.
func runClientChapter(t *testing.T, d Driver) {
	// One database for the tests that work on tasks of their own;
	// ListTasks sees every task and CancelNotifies every notification
	// of its database, so they have their own.
	b := setupAPI(t, d, producer.Config{})
	t.Run("StateChanges", func(t *testing.T) { testClientStateChanges(t, b) })
	t.Run("GetTask", func(t *testing.T) { testClientGetTask(t, b) })
	t.Run("ListTasks", func(t *testing.T) { testClientListTasks(t, d) })
	t.Run("Transactions", func(t *testing.T) { testClientTransactions(t, b) })
	t.Run("CancelNotifies", func(t *testing.T) { testClientCancelNotifies(t, d) })
	t.Run("Race", func(t *testing.T) { testClientRace(t, b) })
}

const (
	statusPending   = asynqpg.TaskStatusPending
	statusRunning   = asynqpg.TaskStatusRunning
	statusCompleted = asynqpg.TaskStatusCompleted
	statusFailed    = asynqpg.TaskStatusFailed
	statusCancelled = asynqpg.TaskStatusCancelled
)

// missingTaskID is never allocated in a test database.
const missingTaskID = int64(1) << 40

// clientOp is a client state change, with its Tx variant.
type clientOp struct {
	plain func(c *client.Client, ctx context.Context, id int64) (*client.TaskInfo, error)
	tx    func(c *client.Client, ctx context.Context, tx asynqpg.Querier, id int64) (*client.TaskInfo, error)
}

var clientOps = map[string]clientOp{
	"cancel": {plain: (*client.Client).CancelTask, tx: (*client.Client).CancelTaskTx},
	"retry":  {plain: (*client.Client).RetryTask, tx: (*client.Client).RetryTaskTx},
	"delete": {plain: (*client.Client).DeleteTask, tx: (*client.Client).DeleteTaskTx},
}

// run calls op through the entry's subject: the Pool, or a committed
// transaction for a TxEntry.
func (b *apiBundle) run(t *testing.T, name string, id int64) (*client.TaskInfo, error) {
	t.Helper()
	ctx := opContext(t)
	op := clientOps[name]
	if !b.Driver.TxEntry {
		return op.plain(b.Client, ctx, id)
	}
	return viaTx(t, b, func(q asynqpg.Querier) (*client.TaskInfo, error) { return op.tx(b.Client, ctx, q, id) })
}

// getTask is GetTask through the entry's subject.
func (b *apiBundle) getTask(t *testing.T, id int64) (*client.TaskInfo, error) {
	t.Helper()
	ctx := opContext(t)
	if !b.Driver.TxEntry {
		return b.Client.GetTask(ctx, id)
	}
	return viaTx(t, b, func(q asynqpg.Querier) (*client.TaskInfo, error) { return b.Client.GetTaskTx(ctx, q, id) })
}

// listTasks is ListTasks through the entry's subject.
func (b *apiBundle) listTasks(t *testing.T, p *client.ListParams) (*client.ListResult, error) {
	t.Helper()
	ctx := opContext(t)
	if !b.Driver.TxEntry {
		return b.Client.ListTasks(ctx, p)
	}
	return viaTx(t, b, func(q asynqpg.Querier) (*client.ListResult, error) { return b.Client.ListTasksTx(ctx, q, p) })
}

// testClientStateChanges has one subtest per row of the seed's tables.
func testClientStateChanges(t *testing.T, b *apiBundle) {
	t.Parallel()
	tests := []struct {
		op      string
		status  asynqpg.TaskStatus // "" for a task that does not exist
		wantErr error
		check   func(t *testing.T, before, got *client.TaskInfo, after *storedTask)
	}{
		{op: "cancel", status: statusPending, check: checkCancelled},
		{op: "cancel", status: statusFailed, check: checkCancelled},
		{op: "cancel", status: statusRunning, check: checkCancelled},
		{op: "cancel", status: statusCancelled, check: func(t *testing.T, before, got *client.TaskInfo, after *storedTask) {
			require.Equal(t, before, got, "cancelling a cancelled task returns it unchanged")
			require.Equal(t, before, after.info())
		}},
		{op: "cancel", status: statusCompleted, wantErr: client.ErrTaskAlreadyFinalized},
		{op: "cancel", wantErr: client.ErrTaskNotFound},
		{op: "retry", status: statusFailed, check: checkRetried},
		{op: "retry", status: statusCancelled, check: checkRetried},
		{op: "retry", status: statusPending, wantErr: client.ErrTaskAlreadyAvailable},
		{op: "retry", status: statusRunning, wantErr: client.ErrTaskRunning},
		{op: "retry", status: statusCompleted, wantErr: client.ErrTaskAlreadyFinalized},
		{op: "retry", wantErr: client.ErrTaskNotFound},
		{op: "delete", status: statusPending, check: checkDeleted},
		{op: "delete", status: statusFailed, check: checkDeleted},
		{op: "delete", status: statusCancelled, check: checkDeleted},
		{op: "delete", status: statusCompleted, check: checkDeleted},
		{op: "delete", status: statusRunning, wantErr: client.ErrTaskRunning},
		{op: "delete", wantErr: client.ErrTaskNotFound},
	}
	for _, tt := range tests {
		name := tt.op + "/" + string(tt.status)
		if tt.status == "" {
			name = tt.op + "/not found"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			id := missingTaskID
			if tt.status != "" {
				id = b.taskIn(t, "state", tt.status)
			}
			before := b.stored(t, id).info()
			got, err := b.run(t, tt.op, id)
			after := b.stored(t, id)
			if tt.wantErr != nil {
				require.Equal(t, tt.wantErr, err, "the sentinel itself, not wrapped")
				require.Equal(t, before, after.info(), "the task changed despite the error")
				// A refused action returns the task as it is; a missing
				// task, none.
				require.Equal(t, before, got)
				return
			}
			require.NoError(t, err)
			tt.check(t, before, got, after)
		})
	}
}

func checkCancelled(t *testing.T, before, got *client.TaskInfo, after *storedTask) {
	t.Helper()
	require.Equal(t, after.info(), got, "the returned task is the stored one")
	require.Equal(t, statusCancelled, got.Status)
	require.NotNil(t, got.FinalizedAt)
	require.True(t, got.FinalizedAt.Equal(got.UpdatedAt))
	require.False(t, got.FinalizedAt.Before(before.UpdatedAt))
	// Everything but status, finalized_at and updated_at is as it was.
	want := *before
	want.Status, want.FinalizedAt, want.UpdatedAt = got.Status, got.FinalizedAt, got.UpdatedAt
	require.Equal(t, &want, got)
}

func checkRetried(t *testing.T, before, got *client.TaskInfo, after *storedTask) {
	t.Helper()
	require.Equal(t, after.info(), got, "the returned task is the stored one")
	require.Equal(t, statusPending, got.Status)
	require.Nil(t, got.FinalizedAt)
	require.Equal(t, max(before.AttemptsLeft, 1), got.AttemptsLeft)
	require.True(t, got.BlockedTill.Equal(got.UpdatedAt), "ready now")
	require.False(t, got.UpdatedAt.Before(before.UpdatedAt))
	want := *before
	want.Status, want.FinalizedAt, want.UpdatedAt = got.Status, nil, got.UpdatedAt
	want.AttemptsLeft, want.BlockedTill = got.AttemptsLeft, got.BlockedTill
	require.Equal(t, &want, got, "messages and attempts elapsed are kept")
}

func checkDeleted(t *testing.T, before, got *client.TaskInfo, after *storedTask) {
	t.Helper()
	require.Nil(t, after, "the task is gone")
	require.Equal(t, before, got, "the task as it was before deletion")
}

func testClientGetTask(t *testing.T, b *apiBundle) {
	t.Parallel()
	for _, status := range []asynqpg.TaskStatus{statusPending, statusRunning, statusCompleted, statusFailed, statusCancelled} {
		t.Run(string(status), func(t *testing.T) {
			t.Parallel()
			id, err := b.enqueue(t, asynqpg.NewTask("get", allBytes(), asynqpg.WithIdempotencyToken(string(status))))
			require.NoError(t, err)
			b.setStatus(t, id, status)
			got, err := b.getTask(t, id)
			require.NoError(t, err)
			require.Equal(t, b.stored(t, id).info(), got)
		})
	}
	t.Run("not found", func(t *testing.T) {
		t.Parallel()
		got, err := b.getTask(t, missingTaskID)
		require.ErrorIs(t, err, client.ErrTaskNotFound)
		require.Nil(t, got)
	})
}

func testClientListTasks(t *testing.T, d Driver) {
	t.Parallel()
	b := setupAPI(t, d, producer.Config{})
	ctx := context.Background()

	statuses := []asynqpg.TaskStatus{statusPending, statusFailed, statusCompleted, statusPending, statusCancelled, statusRunning, statusFailed}
	types := []string{"list:a", "list:b", "list:a", "list:c", "list:a", "list:b", "list:c"}
	ids := make([]int64, len(statuses))
	for i := range statuses {
		ids[i] = b.taskIn(t, types[i], statuses[i])
	}
	// Orders by the time columns that differ from the ID order, with ties.
	_, err := b.Check.ExecContext(ctx, `
		UPDATE asynqpg_tasks SET
			created_at = now() - (id % 3) * interval '1 minute',
			updated_at = now() - (id % 4) * interval '1 minute',
			blocked_till = now() + (id % 5) * interval '1 minute'`)
	require.NoError(t, err)
	all := make([]*client.TaskInfo, len(ids))
	for i, id := range ids {
		all[i] = b.stored(t, id).info()
	}
	orderBy := func(key func(*client.TaskInfo) int64, desc bool) []int64 {
		s := slices.Clone(all)
		slices.SortFunc(s, func(x, y *client.TaskInfo) int {
			c := int(key(x) - key(y))
			if c == 0 {
				c = int(x.ID - y.ID)
			}
			if desc {
				return -c
			}
			return c
		})
		out := make([]int64, len(s))
		for i, ti := range s {
			out[i] = ti.ID
		}
		return out
	}
	byID := func(ti *client.TaskInfo) int64 { return ti.ID }
	byCreated := func(ti *client.TaskInfo) int64 { return ti.CreatedAt.UnixMicro() }
	byUpdated := func(ti *client.TaskInfo) int64 { return ti.UpdatedAt.UnixMicro() }
	byBlocked := func(ti *client.TaskInfo) int64 { return ti.BlockedTill.UnixMicro() }
	n := len(ids)

	tests := []struct {
		name      string
		params    *client.ListParams
		want      []int64
		wantTotal int
	}{
		{name: "defaults", params: client.NewListParams(), want: ids, wantTotal: n},
		{name: "nil", params: nil, want: ids, wantTotal: n},
		{name: "id desc", params: client.NewListParams().OrderBy(client.OrderByID, client.SortDesc), want: orderBy(byID, true), wantTotal: n},
		{name: "created_at asc", params: client.NewListParams().OrderBy(client.OrderByCreatedAt, client.SortAsc), want: orderBy(byCreated, false), wantTotal: n},
		{name: "created_at desc", params: client.NewListParams().OrderBy(client.OrderByCreatedAt, client.SortDesc), want: orderBy(byCreated, true), wantTotal: n},
		{name: "updated_at asc", params: client.NewListParams().OrderBy(client.OrderByUpdatedAt, client.SortAsc), want: orderBy(byUpdated, false), wantTotal: n},
		{name: "updated_at desc", params: client.NewListParams().OrderBy(client.OrderByUpdatedAt, client.SortDesc), want: orderBy(byUpdated, true), wantTotal: n},
		{name: "blocked_till asc", params: client.NewListParams().OrderBy(client.OrderByBlockedTill, client.SortAsc), want: orderBy(byBlocked, false), wantTotal: n},
		{name: "blocked_till desc", params: client.NewListParams().OrderBy(client.OrderByBlockedTill, client.SortDesc), want: orderBy(byBlocked, true), wantTotal: n},
		{name: "states", params: client.NewListParams().States(statusFailed, statusRunning), want: []int64{ids[1], ids[5], ids[6]}, wantTotal: 3},
		{name: "every state", params: client.NewListParams().States(statusPending, statusRunning, statusCompleted, statusFailed, statusCancelled), want: ids, wantTotal: n},
		{name: "types", params: client.NewListParams().Types("list:b", "list:c"), want: []int64{ids[1], ids[3], ids[5], ids[6]}, wantTotal: 4},
		{name: "ids", params: client.NewListParams().IDs(ids[6], ids[2], missingTaskID), want: []int64{ids[2], ids[6]}, wantTotal: 2},
		{name: "filters combined", params: client.NewListParams().Types("list:a", "list:c").States(statusPending).IDs(ids[0], ids[1], ids[3], ids[4]),
			want: []int64{ids[0], ids[3]}, wantTotal: 2},
		{name: "filter replaced", params: client.NewListParams().Types("list:zzz").Types("list:a"), want: []int64{ids[0], ids[2], ids[4]}, wantTotal: 3},
		{name: "limit", params: client.NewListParams().Limit(3), want: ids[:3], wantTotal: n},
		{name: "limit clamped up to 1", params: client.NewListParams().Limit(-10), want: ids[:1], wantTotal: n},
		{name: "limit clamped down to 10000", params: client.NewListParams().Limit(1 << 30), want: ids, wantTotal: n},
		{name: "offset", params: client.NewListParams().Limit(2).Offset(2), want: ids[2:4], wantTotal: n},
		{name: "negative offset", params: client.NewListParams().Limit(2).Offset(-2), want: ids[:2], wantTotal: n},
		{name: "offset with order and filter", params: client.NewListParams().Types("list:a").OrderBy(client.OrderByID, client.SortDesc).Offset(1),
			want: []int64{ids[2], ids[0]}, wantTotal: 3},
		{name: "last partial page", params: client.NewListParams().Limit(5).Offset(5), want: ids[5:], wantTotal: n},
		{name: "past the end", params: client.NewListParams().Offset(n), want: []int64{}, wantTotal: n},
		{name: "past the end filtered", params: client.NewListParams().States(statusFailed).Offset(50), want: []int64{}, wantTotal: 2},
		{name: "no match", params: client.NewListParams().Types("list:none"), want: []int64{}, wantTotal: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := b.listTasks(t, tt.params)
			require.NoError(t, err)
			require.NotNil(t, res.Tasks)
			got := make([]int64, len(res.Tasks))
			for i, ti := range res.Tasks {
				got[i] = ti.ID
				require.Equal(t, b.stored(t, ti.ID).info(), ti)
			}
			require.Equal(t, tt.want, got)
			require.Equal(t, tt.wantTotal, res.Total, "total ignores limit and offset")
		})
	}

	t.Run("invalid params", func(t *testing.T) {
		t.Parallel()
		for _, p := range []*client.ListParams{
			client.NewListParams().OrderBy("type", client.SortAsc),
			client.NewListParams().OrderBy("id; DROP TABLE asynqpg_tasks", client.SortAsc),
			client.NewListParams().OrderBy(client.OrderByID, "asc"),
			client.NewListParams().OrderBy(client.OrderByID, "DESC, id"),
			client.NewListParams().States("done"),
		} {
			res, err := b.listTasks(t, p)
			require.ErrorIs(t, err, client.ErrInvalidListParams)
			require.Nil(t, res)
		}
		require.Equal(t, n, b.countType(t, "list:a", "list:b", "list:c"))
	})
}

// testClientTransactions checks, for every entry, that each Tx method
// works in the caller's transaction: its reads see the transaction's own
// changes, and its changes are visible exactly when the transaction
// commits.
func testClientTransactions(t *testing.T, b *apiBundle) {
	t.Parallel()
	ctx := context.Background()

	changes := []struct {
		op     string
		from   asynqpg.TaskStatus
		wantIn func(t *testing.T, got *client.TaskInfo, err error) // GetTaskTx inside the transaction
	}{
		{op: "cancel", from: statusRunning, wantIn: func(t *testing.T, got *client.TaskInfo, err error) {
			require.NoError(t, err)
			require.Equal(t, statusCancelled, got.Status)
		}},
		{op: "retry", from: statusFailed, wantIn: func(t *testing.T, got *client.TaskInfo, err error) {
			require.NoError(t, err)
			require.Equal(t, statusPending, got.Status)
		}},
		{op: "delete", from: statusCompleted, wantIn: func(t *testing.T, got *client.TaskInfo, err error) {
			require.ErrorIs(t, err, client.ErrTaskNotFound)
		}},
	}
	for _, c := range changes {
		for _, commit := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/commit=%t", c.op, commit), func(t *testing.T) {
				t.Parallel()
				id := b.taskIn(t, "tx:"+c.op, c.from)
				before := b.stored(t, id)
				tx := b.Begin(t)
				got, err := clientOps[c.op].tx(b.Client, ctx, tx.Querier, id)
				require.NoError(t, err)
				require.Equal(t, id, got.ID)
				in, err := b.Client.GetTaskTx(ctx, tx.Querier, id)
				c.wantIn(t, in, err)
				require.Equal(t, before, b.stored(t, id), "visible before commit")
				if commit {
					require.NoError(t, tx.Commit(ctx))
					after := b.stored(t, id)
					if c.op == "delete" {
						require.Nil(t, after)
					} else {
						require.Equal(t, got, after.info())
					}
					return
				}
				require.NoError(t, tx.Rollback(ctx))
				require.Equal(t, before, b.stored(t, id), "a rolled back change is never visible")
			})
		}
	}

	t.Run("reads see the transaction", func(t *testing.T) {
		t.Parallel()
		tx := b.Begin(t)
		id, err := b.Producer.EnqueueTx(ctx, tx.Querier, asynqpg.NewTask("tx:read", []byte("r")))
		require.NoError(t, err)
		got, err := b.Client.GetTaskTx(ctx, tx.Querier, id)
		require.NoError(t, err)
		require.Equal(t, []byte("r"), got.Payload)
		res, err := b.Client.ListTasksTx(ctx, tx.Querier, client.NewListParams().Types("tx:read"))
		require.NoError(t, err)
		require.Equal(t, 1, res.Total)
		require.Len(t, res.Tasks, 1)

		_, err = b.Client.GetTask(ctx, id)
		require.ErrorIs(t, err, client.ErrTaskNotFound, "visible outside before commit")
		res, err = b.Client.ListTasks(ctx, client.NewListParams().Types("tx:read"))
		require.NoError(t, err)
		require.Zero(t, res.Total)
		require.NoError(t, tx.Rollback(ctx))
		require.Nil(t, b.stored(t, id))
	})

	t.Run("errors keep the transaction usable", func(t *testing.T) {
		t.Parallel()
		done := b.taskIn(t, "tx:errors", statusCompleted)
		running := b.taskIn(t, "tx:errors", statusRunning)
		pending := b.taskIn(t, "tx:errors", statusPending)
		tx := b.Begin(t)
		_, err := b.Client.CancelTaskTx(ctx, tx.Querier, done)
		require.ErrorIs(t, err, client.ErrTaskAlreadyFinalized)
		_, err = b.Client.DeleteTaskTx(ctx, tx.Querier, running)
		require.ErrorIs(t, err, client.ErrTaskRunning)
		_, err = b.Client.RetryTaskTx(ctx, tx.Querier, pending)
		require.ErrorIs(t, err, client.ErrTaskAlreadyAvailable)
		_, err = b.Client.RetryTaskTx(ctx, tx.Querier, missingTaskID)
		require.ErrorIs(t, err, client.ErrTaskNotFound)
		_, err = b.Client.ListTasksTx(ctx, tx.Querier, client.NewListParams().OrderBy("nope", client.SortAsc))
		require.ErrorIs(t, err, client.ErrInvalidListParams)
		_, err = b.Client.DeleteTaskTx(ctx, tx.Querier, pending)
		require.NoError(t, err)
		require.NoError(t, tx.Commit(ctx))
		require.Nil(t, b.stored(t, pending))
		require.Equal(t, statusCompleted, b.stored(t, done).Status)
	})

	t.Run("nil transaction", func(t *testing.T) {
		t.Parallel()
		id := b.taskIn(t, "tx:nil", statusPending)
		_, err := b.Client.GetTaskTx(ctx, nil, id)
		require.Error(t, err)
		_, err = b.Client.ListTasksTx(ctx, nil, nil)
		require.Error(t, err)
		for _, op := range clientOps {
			_, err := op.tx(b.Client, ctx, nil, id)
			require.Error(t, err)
		}
		require.Equal(t, statusPending, b.stored(t, id).Status)
	})
}

// testClientCancelNotifies checks that cancelling a running task notifies
// consumers with its ID when the change commits, never when it rolls back,
// and that cancelling a task that is not running does not.
func testClientCancelNotifies(t *testing.T, d Driver) {
	t.Parallel()
	b := setupAPI(t, d, producer.Config{})
	ctx := context.Background()
	conn := b.listen(t, engine.ChannelCancel)

	rolledBack := b.taskIn(t, "notify", statusRunning)
	notRunning := b.taskIn(t, "notify", statusPending)
	first := b.taskIn(t, "notify", statusRunning)
	second := b.taskIn(t, "notify", statusRunning)

	tx := b.Begin(t)
	_, err := b.Client.CancelTaskTx(ctx, tx.Querier, rolledBack)
	require.NoError(t, err)
	require.NoError(t, tx.Rollback(ctx))
	_, err = b.run(t, "cancel", notRunning)
	require.NoError(t, err)
	_, err = b.run(t, "cancel", first)
	require.NoError(t, err)
	require.Equal(t, strconv.FormatInt(first, 10), nextNotification(t, conn))

	tx = b.Begin(t)
	_, err = b.Client.CancelTaskTx(ctx, tx.Querier, second)
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))
	require.Equal(t, strconv.FormatInt(second, 10), nextNotification(t, conn))
}

// testClientRace runs cancels, retries and deletes of one task at once.
// Each change locks the row, so the calls apply one after the other, and
// every result must be one the tables allow for some order of them.
func testClientRace(t *testing.T, b *apiBundle) {
	t.Parallel()
	for _, from := range []asynqpg.TaskStatus{statusFailed, statusPending, statusCancelled} {
		t.Run(string(from), func(t *testing.T) {
			t.Parallel()
			id := b.taskIn(t, "race", from)
			const perOp = 3
			type result struct {
				op  string
				got *client.TaskInfo
				err error
			}
			var (
				wg      sync.WaitGroup
				mu      sync.Mutex
				results []result
			)
			start := make(chan struct{})
			for name := range clientOps {
				for range perOp {
					wg.Go(func() {
						<-start
						got, err := b.run(t, name, id)
						mu.Lock()
						defer mu.Unlock()
						results = append(results, result{op: name, got: got, err: err})
					})
				}
			}
			close(start)
			wg.Wait()

			var deleted, deleteMissed, cancels, retries int
			for _, r := range results {
				if errors.Is(r.err, client.ErrTaskNotFound) {
					if r.op == "delete" {
						deleteMissed++
					}
					continue
				}
				switch r.op {
				case "cancel":
					// Never running or completed here: a cancel always succeeds.
					require.NoError(t, r.err)
					require.Equal(t, statusCancelled, r.got.Status)
					require.NotNil(t, r.got.FinalizedAt)
					cancels++
				case "retry":
					if r.err != nil {
						require.ErrorIs(t, r.err, client.ErrTaskAlreadyAvailable)
						continue
					}
					require.Equal(t, statusPending, r.got.Status)
					require.Nil(t, r.got.FinalizedAt)
					require.GreaterOrEqual(t, r.got.AttemptsLeft, 1)
					retries++
				case "delete":
					require.NoError(t, r.err)
					require.Contains(t, []asynqpg.TaskStatus{statusPending, statusFailed, statusCancelled}, r.got.Status)
					deleted++
				}
			}
			require.Equal(t, 1, deleted, "exactly one delete wins")
			require.Equal(t, perOp-1, deleteMissed, "the other deletes find nothing")
			initial := 0
			if from != statusPending {
				initial = 1
			}
			require.LessOrEqual(t, retries, initial+cancels, "each retry needs a failed or cancelled task")
			require.Nil(t, b.stored(t, id))
		})
	}
}
