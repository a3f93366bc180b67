package conformance

import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/internal/testfixture"
import "github.com/yakser/asynqpg/internal/testfixture/taskdb"
import "github.com/yakser/asynqpg/producer"

func testClientListTasks(t *testing.T, d Driver) {
	t.Parallel()
	b := setupAPI(t, d, producer.Config{})

	statuses := []asynqpg.TaskStatus{asynqpg.TaskStatusPending, asynqpg.TaskStatusFailed, asynqpg.TaskStatusCompleted,
		asynqpg.TaskStatusPending, asynqpg.TaskStatusCancelled, asynqpg.TaskStatusRunning, asynqpg.TaskStatusFailed}
	types := []string{"list:a", "list:b", "list:a", "list:c", "list:a", "list:b", "list:c"}
	ids := make([]int64, len(statuses))
	for i := range statuses {
		ids[i] = b.taskIn(t, types[i], statuses[i])
	}
	// Orders by the time columns that differ from the ID order, with ties.
	orders := testfixture.ScatterTimes(t, b.Check)
	desc := testfixture.Reversed
	byCreated, byUpdated, byBlocked := orders.Created, orders.Updated, orders.Blocked
	n := len(ids)

	tests := []struct {
		name      string
		params    *client.ListParams
		want      []int64
		wantTotal int
	}{
		{name: "defaults", params: client.NewListParams(), want: ids, wantTotal: n},
		{name: "nil", params: nil, want: ids, wantTotal: n},
		{name: "id desc", params: client.NewListParams().OrderBy(client.OrderByID, client.SortDesc), want: desc(ids), wantTotal: n},
		{name: "created_at asc", params: client.NewListParams().OrderBy(client.OrderByCreatedAt, client.SortAsc), want: byCreated, wantTotal: n},
		{name: "created_at desc", params: client.NewListParams().OrderBy(client.OrderByCreatedAt, client.SortDesc), want: desc(byCreated), wantTotal: n},
		{name: "updated_at asc", params: client.NewListParams().OrderBy(client.OrderByUpdatedAt, client.SortAsc), want: byUpdated, wantTotal: n},
		{name: "updated_at desc", params: client.NewListParams().OrderBy(client.OrderByUpdatedAt, client.SortDesc), want: desc(byUpdated), wantTotal: n},
		{name: "blocked_till asc", params: client.NewListParams().OrderBy(client.OrderByBlockedTill, client.SortAsc), want: byBlocked, wantTotal: n},
		{name: "blocked_till desc", params: client.NewListParams().OrderBy(client.OrderByBlockedTill, client.SortDesc), want: desc(byBlocked), wantTotal: n},
		{name: "states", params: client.NewListParams().States(asynqpg.TaskStatusFailed, asynqpg.TaskStatusRunning), want: []int64{ids[1], ids[5], ids[6]}, wantTotal: 3},
		{name: "every state", params: client.NewListParams().States(asynqpg.TaskStatusPending, asynqpg.TaskStatusRunning,
			asynqpg.TaskStatusCompleted, asynqpg.TaskStatusFailed, asynqpg.TaskStatusCancelled), want: ids, wantTotal: n},
		{name: "types", params: client.NewListParams().Types("list:b", "list:c"), want: []int64{ids[1], ids[3], ids[5], ids[6]}, wantTotal: 4},
		{name: "ids", params: client.NewListParams().IDs(ids[6], ids[2], testfixture.MissingID), want: []int64{ids[2], ids[6]}, wantTotal: 2},
		{name: "filters combined", params: client.NewListParams().Types("list:a", "list:c").States(asynqpg.TaskStatusPending).IDs(ids[0], ids[1], ids[3], ids[4]),
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
		{name: "past the end filtered", params: client.NewListParams().States(asynqpg.TaskStatusFailed).Offset(50), want: []int64{}, wantTotal: 2},
		{name: "no match", params: client.NewListParams().Types("list:none"), want: []int64{}, wantTotal: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := b.listTasks(t, tt.params)
			require.NoError(t, err)
			require.Equal(t, tt.want, taskdb.ListedIDs(t, res.Tasks, b.stored))
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
