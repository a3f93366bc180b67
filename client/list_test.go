package client_test

import "context"
import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/internal/testfixture"
import "github.com/yakser/asynqpg/internal/testfixture/taskdb"

func TestListTasks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)

	// Six tasks whose created_at, updated_at and blocked_till orders all
	// differ from the ID order.
	statuses := []asynqpg.TaskStatus{
		asynqpg.TaskStatusPending, asynqpg.TaskStatusFailed, asynqpg.TaskStatusCompleted,
		asynqpg.TaskStatusPending, asynqpg.TaskStatusCancelled, asynqpg.TaskStatusRunning,
	}
	types := []string{"a", "b", "a", "c", "a", "b"}
	ids := make([]int64, len(statuses))
	for i := range statuses {
		ids[i] = b.insert(t, types[i], statuses[i])
	}
	orders := testfixture.ScatterTimes(t, b.db)
	reversed := testfixture.Reversed
	byCreated, byUpdated, byBlocked := orders.Created, orders.Updated, orders.Blocked

	tests := []struct {
		name      string
		params    *client.ListParams
		want      []int64
		wantTotal int
	}{
		{name: "defaults", params: client.NewListParams(), want: ids, wantTotal: 6},
		{name: "nil params", params: nil, want: ids, wantTotal: 6},
		{name: "id desc", params: client.NewListParams().OrderBy(client.OrderByID, client.SortDesc), want: reversed(ids), wantTotal: 6},
		{name: "created asc", params: client.NewListParams().OrderBy(client.OrderByCreatedAt, client.SortAsc), want: byCreated, wantTotal: 6},
		{name: "created desc", params: client.NewListParams().OrderBy(client.OrderByCreatedAt, client.SortDesc), want: reversed(byCreated), wantTotal: 6},
		{name: "updated asc", params: client.NewListParams().OrderBy(client.OrderByUpdatedAt, client.SortAsc), want: byUpdated, wantTotal: 6},
		{name: "updated desc", params: client.NewListParams().OrderBy(client.OrderByUpdatedAt, client.SortDesc), want: reversed(byUpdated), wantTotal: 6},
		{name: "blocked asc", params: client.NewListParams().OrderBy(client.OrderByBlockedTill, client.SortAsc), want: byBlocked, wantTotal: 6},
		{name: "blocked desc", params: client.NewListParams().OrderBy(client.OrderByBlockedTill, client.SortDesc), want: reversed(byBlocked), wantTotal: 6},
		{name: "states", params: client.NewListParams().States(asynqpg.TaskStatusPending, asynqpg.TaskStatusRunning), want: []int64{ids[0], ids[3], ids[5]}, wantTotal: 3},
		{name: "types", params: client.NewListParams().Types("b", "c"), want: []int64{ids[1], ids[3], ids[5]}, wantTotal: 3},
		{name: "ids", params: client.NewListParams().IDs(ids[4], ids[1], testfixture.MissingID), want: []int64{ids[1], ids[4]}, wantTotal: 2},
		{name: "combined", params: client.NewListParams().Types("a").States(asynqpg.TaskStatusPending, asynqpg.TaskStatusCompleted).IDs(ids[0], ids[2], ids[3]),
			want: []int64{ids[0], ids[2]}, wantTotal: 2},
		{name: "limit", params: client.NewListParams().Limit(2), want: ids[:2], wantTotal: 6},
		{name: "limit clamped to 1", params: client.NewListParams().Limit(0), want: ids[:1], wantTotal: 6},
		{name: "offset", params: client.NewListParams().Limit(2).Offset(3), want: ids[3:5], wantTotal: 6},
		{name: "negative offset", params: client.NewListParams().Limit(2).Offset(-3), want: ids[:2], wantTotal: 6},
		{name: "last page", params: client.NewListParams().Limit(4).Offset(4), want: ids[4:], wantTotal: 6},
		{name: "past the end", params: client.NewListParams().Offset(6), want: []int64{}, wantTotal: 6},
		{name: "past the end filtered", params: client.NewListParams().Types("a").Offset(100), want: []int64{}, wantTotal: 3},
		{name: "no match", params: client.NewListParams().Types("zzz"), want: []int64{}, wantTotal: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := b.client.ListTasks(ctx, tt.params)
			require.NoError(t, err)
			require.Equal(t, tt.want, taskdb.ListedIDs(t, res.Tasks, b.stored))
			require.Equal(t, tt.wantTotal, res.Total)
		})
	}
}

func TestListTasksInvalidParams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	for _, p := range []*client.ListParams{
		client.NewListParams().OrderBy("type", client.SortAsc),
		client.NewListParams().OrderBy(client.OrderByID, "sideways"),
		client.NewListParams().States("finished"),
	} {
		res, err := b.client.ListTasks(ctx, p)
		require.ErrorIs(t, err, client.ErrInvalidListParams)
		require.Nil(t, res)
		tx, err := b.db.BeginTxx(ctx, nil)
		require.NoError(t, err)
		_, err = b.client.ListTasksTx(ctx, tx, p)
		require.ErrorIs(t, err, client.ErrInvalidListParams)
		require.NoError(t, tx.Rollback())
	}
}

func TestListTasksTx(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	b.insert(t, "listtx", asynqpg.TaskStatusPending)
	tx, err := b.db.BeginTxx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	b2 := b.insert(t, "listtx", asynqpg.TaskStatusPending)
	_, err = tx.ExecContext(ctx, `DELETE FROM asynqpg_tasks WHERE id = $1`, b2)
	require.NoError(t, err)
	res, err := b.client.ListTasksTx(ctx, tx, client.NewListParams().Types("listtx"))
	require.NoError(t, err)
	require.Equal(t, 1, res.Total, "the transaction's own delete is seen")
	res, err = b.client.ListTasks(ctx, client.NewListParams().Types("listtx"))
	require.NoError(t, err)
	require.Equal(t, 2, res.Total)
}
