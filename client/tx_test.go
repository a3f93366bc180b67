package client_test

import "context"
import "strconv"
import "testing"

import "github.com/jmoiron/sqlx"
import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"

// TestTxVariants runs every Tx method in a transaction that commits or
// rolls back.
func TestTxVariants(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		name   string
		status asynqpg.TaskStatus
		call   func(c *client.Client, ctx context.Context, tx asynqpg.Querier, id int64) (*client.TaskInfo, error)
		check  func(t *testing.T, after *client.TaskInfo) // after a commit
	}{
		{name: "cancel", status: asynqpg.TaskStatusPending, call: (*client.Client).CancelTaskTx,
			check: func(t *testing.T, after *client.TaskInfo) {
				require.Equal(t, asynqpg.TaskStatusCancelled, after.Status)
			}},
		{name: "retry", status: asynqpg.TaskStatusFailed, call: (*client.Client).RetryTaskTx,
			check: func(t *testing.T, after *client.TaskInfo) { require.Equal(t, asynqpg.TaskStatusPending, after.Status) }},
		{name: "delete", status: asynqpg.TaskStatusCompleted, call: (*client.Client).DeleteTaskTx,
			check: func(t *testing.T, after *client.TaskInfo) { require.Nil(t, after) }},
	}
	for _, tt := range tests {
		for _, commit := range []bool{true, false} {
			t.Run(tt.name+"/commit="+strconv.FormatBool(commit), func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				id := b.insert(t, "tx", tt.status)
				before := b.stored(t, id)
				tx, err := b.db.BeginTxx(ctx, nil)
				require.NoError(t, err)
				defer func() { _ = tx.Rollback() }()
				_, err = tt.call(b.client, ctx, tx, id)
				require.NoError(t, err)
				// Inside the transaction the change is seen.
				inTx, err := b.client.GetTaskTx(ctx, tx, id)
				if tt.name == "delete" {
					require.ErrorIs(t, err, client.ErrTaskNotFound)
				} else {
					require.NoError(t, err)
					require.NotEqual(t, before.Status, inTx.Status)
				}
				require.Equal(t, before, b.stored(t, id), "visible before commit")
				if commit {
					require.NoError(t, tx.Commit())
					tt.check(t, b.stored(t, id))
				} else {
					require.NoError(t, tx.Rollback())
					require.Equal(t, before, b.stored(t, id))
				}
			})
		}
	}
}

func TestNilTx(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	calls := map[string]func() error{
		"get":    func() error { _, err := b.client.GetTaskTx(ctx, nil, 1); return err },
		"list":   func() error { _, err := b.client.ListTasksTx(ctx, nil, nil); return err },
		"cancel": func() error { _, err := b.client.CancelTaskTx(ctx, nil, 1); return err },
		"retry":  func() error { _, err := b.client.RetryTaskTx(ctx, (*sqlx.Tx)(nil), 1); return err },
		"delete": func() error { _, err := b.client.DeleteTaskTx(ctx, nil, 1); return err },
	}
	for name, call := range calls {
		require.EqualError(t, call(), "executor cannot be nil", name)
	}
}
