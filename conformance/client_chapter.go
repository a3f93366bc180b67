package conformance

import "context"
import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/internal/testfixture"
import "github.com/yakser/asynqpg/producer"

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
	runEach(t, d, []section{
		{"StateChanges", b.shared(testClientStateChanges)},
		{"GetTask", b.shared(testClientGetTask)},
		{"ListTasks", testClientListTasks},
		{"Transactions", b.shared(testClientTransactions)},
		{"CancelNotifies", testClientCancelNotifies},
		{"Race", b.shared(testClientRace)},
	})
}

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
	errs := testfixture.StateErrors{NotFound: client.ErrTaskNotFound, AlreadyFinalized: client.ErrTaskAlreadyFinalized,
		AlreadyAvailable: client.ErrTaskAlreadyAvailable, Running: client.ErrTaskRunning}
	taskIn := func(t *testing.T, status asynqpg.TaskStatus) int64 { return b.taskIn(t, "state", status) }
	testfixture.RunStateCases(t, taskIn, func(t *testing.T, tt testfixture.StateCase, id int64) {
		wantErr := tt.WantErr(errs)
		before := b.stored(t, id)
		got, err := b.run(t, tt.Op, id)
		after := b.stored(t, id)
		if wantErr != nil {
			require.Equal(t, wantErr, err, "the sentinel itself, not wrapped")
			require.Equal(t, before, after, "the task changed despite the error")
			// A refused action returns the task as it is; a missing
			// task, none.
			require.Equal(t, before, got)
			return
		}
		require.NoError(t, err)
		switch {
		case tt.Op == "cancel" && tt.Status == asynqpg.TaskStatusCancelled:
			require.Equal(t, before, got, "cancelling a cancelled task returns it unchanged")
			require.Equal(t, before, after)
		case tt.Op == "cancel":
			checkCancelled(t, before, got, after)
		case tt.Op == "retry":
			checkRetried(t, before, got, after)
		default:
			checkDeleted(t, before, got, after)
		}
	})
}

func checkCancelled(t *testing.T, before, got *client.TaskInfo, after *client.TaskInfo) {
	t.Helper()
	require.Equal(t, after, got, "the returned task is the stored one")
	require.Equal(t, asynqpg.TaskStatusCancelled, got.Status)
	require.NotNil(t, got.FinalizedAt)
	require.True(t, got.FinalizedAt.Equal(got.UpdatedAt))
	require.False(t, got.FinalizedAt.Before(before.UpdatedAt))
	// Everything but status, finalized_at and updated_at is as it was.
	want := *before
	want.Status, want.FinalizedAt, want.UpdatedAt = got.Status, got.FinalizedAt, got.UpdatedAt
	require.Equal(t, &want, got)
}

func checkRetried(t *testing.T, before, got *client.TaskInfo, after *client.TaskInfo) {
	t.Helper()
	require.Equal(t, after, got, "the returned task is the stored one")
	require.Equal(t, asynqpg.TaskStatusPending, got.Status)
	require.Nil(t, got.FinalizedAt)
	require.Equal(t, max(before.AttemptsLeft, 1), got.AttemptsLeft)
	require.True(t, got.BlockedTill.Equal(got.UpdatedAt), "ready now")
	require.False(t, got.UpdatedAt.Before(before.UpdatedAt))
	want := *before
	want.Status, want.FinalizedAt, want.UpdatedAt = got.Status, nil, got.UpdatedAt
	want.AttemptsLeft, want.BlockedTill = got.AttemptsLeft, got.BlockedTill
	require.Equal(t, &want, got, "messages and attempts elapsed are kept")
}

func checkDeleted(t *testing.T, before, got *client.TaskInfo, after *client.TaskInfo) {
	t.Helper()
	require.Nil(t, after, "the task is gone")
	require.Equal(t, before, got, "the task as it was before deletion")
}

func testClientGetTask(t *testing.T, b *apiBundle) {
	t.Parallel()
	for _, status := range []asynqpg.TaskStatus{asynqpg.TaskStatusPending, asynqpg.TaskStatusRunning,
		asynqpg.TaskStatusCompleted, asynqpg.TaskStatusFailed, asynqpg.TaskStatusCancelled} {
		t.Run(string(status), func(t *testing.T) {
			t.Parallel()
			id, err := b.enqueue(t, asynqpg.NewTask("get", allBytes(), asynqpg.WithIdempotencyToken(string(status))))
			require.NoError(t, err)
			b.setStatus(t, id, status)
			got, err := b.getTask(t, id)
			require.NoError(t, err)
			require.Equal(t, b.stored(t, id), got)
		})
	}
	t.Run("not found", func(t *testing.T) {
		t.Parallel()
		got, err := b.getTask(t, testfixture.MissingID)
		require.ErrorIs(t, err, client.ErrTaskNotFound)
		require.Nil(t, got)
	})
}
