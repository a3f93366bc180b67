package conformance

import "context"
import "fmt"
import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/internal/testfixture"

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
		{op: "cancel", from: asynqpg.TaskStatusRunning, wantIn: func(t *testing.T, got *client.TaskInfo, err error) {
			require.NoError(t, err)
			require.Equal(t, asynqpg.TaskStatusCancelled, got.Status)
		}},
		{op: "retry", from: asynqpg.TaskStatusFailed, wantIn: func(t *testing.T, got *client.TaskInfo, err error) {
			require.NoError(t, err)
			require.Equal(t, asynqpg.TaskStatusPending, got.Status)
		}},
		{op: "delete", from: asynqpg.TaskStatusCompleted, wantIn: func(t *testing.T, got *client.TaskInfo, err error) {
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
						require.Equal(t, got, after)
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
		done := b.taskIn(t, "tx:errors", asynqpg.TaskStatusCompleted)
		running := b.taskIn(t, "tx:errors", asynqpg.TaskStatusRunning)
		pending := b.taskIn(t, "tx:errors", asynqpg.TaskStatusPending)
		tx := b.Begin(t)
		_, err := b.Client.CancelTaskTx(ctx, tx.Querier, done)
		require.ErrorIs(t, err, client.ErrTaskAlreadyFinalized)
		_, err = b.Client.DeleteTaskTx(ctx, tx.Querier, running)
		require.ErrorIs(t, err, client.ErrTaskRunning)
		_, err = b.Client.RetryTaskTx(ctx, tx.Querier, pending)
		require.ErrorIs(t, err, client.ErrTaskAlreadyAvailable)
		_, err = b.Client.RetryTaskTx(ctx, tx.Querier, testfixture.MissingID)
		require.ErrorIs(t, err, client.ErrTaskNotFound)
		_, err = b.Client.ListTasksTx(ctx, tx.Querier, client.NewListParams().OrderBy("nope", client.SortAsc))
		require.ErrorIs(t, err, client.ErrInvalidListParams)
		_, err = b.Client.DeleteTaskTx(ctx, tx.Querier, pending)
		require.NoError(t, err)
		require.NoError(t, tx.Commit(ctx))
		require.Nil(t, b.stored(t, pending))
		require.Equal(t, asynqpg.TaskStatusCompleted, b.stored(t, done).Status)
	})

	t.Run("nil transaction", func(t *testing.T) {
		t.Parallel()
		id := b.taskIn(t, "tx:nil", asynqpg.TaskStatusPending)
		_, err := b.Client.GetTaskTx(ctx, nil, id)
		require.Error(t, err)
		_, err = b.Client.ListTasksTx(ctx, nil, nil)
		require.Error(t, err)
		for _, op := range clientOps {
			_, err := op.tx(b.Client, ctx, nil, id)
			require.Error(t, err)
		}
		require.Equal(t, asynqpg.TaskStatusPending, b.stored(t, id).Status)
	})
}
