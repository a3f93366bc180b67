package client

import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/engine"

func TestListParamsQuery(t *testing.T) {
	t.Parallel()
	defaults := engine.ListQuery{Limit: DefaultListLimit, OrderBy: engine.ListOrderID}
	tests := []struct {
		name    string
		params  *ListParams
		want    engine.ListQuery
		wantErr string
	}{
		{name: "new", params: NewListParams(), want: defaults},
		{name: "nil", params: nil, want: defaults},
		{name: "zero value", params: &ListParams{}, want: defaults},
		{name: "limit below 1", params: NewListParams().Limit(0), want: engine.ListQuery{Limit: 1}},
		{name: "negative limit", params: NewListParams().Limit(-5), want: engine.ListQuery{Limit: 1}},
		{name: "limit max", params: NewListParams().Limit(10000), want: engine.ListQuery{Limit: 10000}},
		{name: "limit above max", params: NewListParams().Limit(10001), want: engine.ListQuery{Limit: 10000}},
		{name: "offset", params: NewListParams().Offset(7), want: engine.ListQuery{Limit: 100, Offset: 7}},
		{name: "negative offset", params: NewListParams().Offset(-7), want: engine.ListQuery{Limit: 100}},
		{name: "created desc", params: NewListParams().OrderBy(OrderByCreatedAt, SortDesc),
			want: engine.ListQuery{Limit: 100, OrderBy: engine.ListOrderCreatedAt, Descending: true}},
		{name: "updated asc", params: NewListParams().OrderBy(OrderByUpdatedAt, SortAsc),
			want: engine.ListQuery{Limit: 100, OrderBy: engine.ListOrderUpdatedAt}},
		{name: "blocked till", params: NewListParams().OrderBy(OrderByBlockedTill, SortDesc),
			want: engine.ListQuery{Limit: 100, OrderBy: engine.ListOrderBlockedTill, Descending: true}},
		{name: "id desc", params: NewListParams().OrderBy(OrderByID, SortDesc),
			want: engine.ListQuery{Limit: 100, Descending: true}},
		{name: "filters", params: NewListParams().IDs(3, 1).Types("a").States(asynqpg.TaskStatusFailed, asynqpg.TaskStatusCancelled),
			want: engine.ListQuery{Limit: 100, IDs: []int64{3, 1}, Types: []string{"a"}, Statuses: []string{"failed", "cancelled"}}},
		{name: "filters replaced", params: NewListParams().IDs(3).IDs(4).Types("a").Types().States(asynqpg.TaskStatusFailed).States(),
			want: engine.ListQuery{Limit: 100, IDs: []int64{4}, Types: []string{}}},
		{name: "unknown field", params: NewListParams().OrderBy("id; DROP TABLE asynqpg_tasks", SortAsc),
			wantErr: `invalid list parameters: unknown order field "id; DROP TABLE asynqpg_tasks"`},
		{name: "unknown order", params: NewListParams().OrderBy(OrderByID, "asc"),
			wantErr: `invalid list parameters: unknown sort order "asc"`},
		{name: "unknown state", params: NewListParams().States(asynqpg.TaskStatusPending, "done"),
			wantErr: `invalid list parameters: unknown state "done"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.params.query()
			if tt.wantErr != "" {
				require.ErrorIs(t, err, ErrInvalidListParams)
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			if len(got.Types) == 0 && len(tt.want.Types) == 0 {
				got.Types, tt.want.Types = nil, nil
			}
			if len(got.IDs) == 0 && len(tt.want.IDs) == 0 {
				got.IDs, tt.want.IDs = nil, nil
			}
			require.Equal(t, tt.want, got)
		})
	}
}

// TestListParamsCopiesArguments checks that the builder does not keep the
// caller's slices.
func TestListParamsCopiesArguments(t *testing.T) {
	t.Parallel()
	ids := []int64{1, 2}
	types := []string{"a"}
	p := NewListParams().IDs(ids...).Types(types...)
	ids[0], types[0] = 9, "z"
	q, err := p.query()
	require.NoError(t, err)
	require.Equal(t, []int64{1, 2}, q.IDs)
	require.Equal(t, []string{"a"}, q.Types)
}

func TestNilListParamsBuild(t *testing.T) {
	t.Parallel()
	var p *ListParams
	got := p.Types("a").Limit(5)
	require.NotNil(t, got)
	q, err := got.query()
	require.NoError(t, err)
	require.Equal(t, []string{"a"}, q.Types)
	require.Equal(t, 5, q.Limit)
	for name, build := range map[string]func(*ListParams) *ListParams{
		"IDs":     func(p *ListParams) *ListParams { return p.IDs(1) },
		"States":  func(p *ListParams) *ListParams { return p.States() },
		"Offset":  func(p *ListParams) *ListParams { return p.Offset(3) },
		"OrderBy": func(p *ListParams) *ListParams { return p.OrderBy(OrderByCreatedAt, SortDesc) },
	} {
		require.NotNil(t, build(nil), name)
	}
}
