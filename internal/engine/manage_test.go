package engine

import "context"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/testfixture"

const (
	pending   = asynqpg.TaskStatusPending
	running   = asynqpg.TaskStatusRunning
	completed = asynqpg.TaskStatusCompleted
	failed    = asynqpg.TaskStatusFailed
	cancelled = asynqpg.TaskStatusCancelled
)

// manageOps are the state changes under test, by name.
var manageOps = map[string]func(context.Context, *testfixture.CountingExecutor, int64) (*TaskRow, error){
	"cancel": func(ctx context.Context, ex *testfixture.CountingExecutor, id int64) (*TaskRow, error) {
		return CancelTask(ctx, ex, id)
	},
	"retry": func(ctx context.Context, ex *testfixture.CountingExecutor, id int64) (*TaskRow, error) {
		return RetryTask(ctx, ex, id)
	},
	"delete": func(ctx context.Context, ex *testfixture.CountingExecutor, id int64) (*TaskRow, error) {
		return DeleteTask(ctx, ex, id)
	},
}

func TestManageTask(t *testing.T) {
	t.Parallel()
	b := setupStore(t)

	errs := testfixture.StateErrors{NotFound: ErrTaskNotFound, AlreadyFinalized: ErrTaskAlreadyFinalized,
		AlreadyAvailable: ErrTaskAlreadyAvailable, Running: ErrTaskRunning}
	insert := func(t *testing.T, status asynqpg.TaskStatus) int64 {
		id := b.insert(t, "manage")
		b.setStatus(t, id, status)
		return id
	}
	testfixture.RunStateCases(t, insert, func(t *testing.T, tt testfixture.StateCase, id int64) {
		wantErr := tt.WantErr(errs)
		ctx := context.Background()
		before := b.get(t, id)
		got, err := manageOps[tt.Op](ctx, b.ex, id)
		after := b.get(t, id)
		if wantErr != nil {
			require.ErrorIs(t, err, wantErr)
			// A refusal returns the task as it is; a missing task, none.
			require.Equal(t, before, got, "a refused task is returned as it is")
			require.Equal(t, before, after, "changed despite the error")
			return
		}
		require.NoError(t, err)
		require.Equal(t, id, got.ID)
		if tt.Op == "delete" {
			require.Nil(t, after)
			require.Equal(t, before, got, "delete returns the row as it was")
			return
		}
		require.Equal(t, after, got, "returned row is the stored row")
		require.Equal(t, tt.Want(), got.Status)
		switch {
		case tt.Op == "cancel" && tt.Status == cancelled:
			require.Equal(t, before, after, "cancelling a cancelled task changes nothing")
		case tt.Op == "cancel":
			require.NotNil(t, got.FinalizedAt)
			require.True(t, got.UpdatedAt.Equal(*got.FinalizedAt))
			require.False(t, got.FinalizedAt.Before(before.UpdatedAt))
		case tt.Op == "retry":
			require.Nil(t, got.FinalizedAt)
			require.GreaterOrEqual(t, got.AttemptsLeft, 1)
			require.Equal(t, before.AttemptsElapsed, got.AttemptsElapsed)
			require.Equal(t, before.Messages, got.Messages)
			require.True(t, got.BlockedTill.Equal(got.UpdatedAt), "ready now")
		}
	})
}

func TestRetryKeepsAttemptsLeft(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupStore(t)
	id := b.insert(t, "keep")
	b.setStatus(t, id, cancelled) // cancelled with its 3 attempts left
	got, err := RetryTask(ctx, b.ex, id)
	require.NoError(t, err)
	require.Equal(t, 3, got.AttemptsLeft)
}

func TestGetTask(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupStore(t)
	id, _, err := InsertTask(ctx, b.ex, NewTask{Type: "get", Payload: []byte("x"), Attempts: 4, IdempotencyToken: strPtr("tok")})
	require.NoError(t, err)
	got, err := GetTask(ctx, b.ex, id)
	require.NoError(t, err)
	require.Equal(t, "get", got.Type)
	require.Equal(t, []byte("x"), got.Payload)
	require.Equal(t, "tok", *got.IdempotencyToken)
	require.Equal(t, pending, got.Status)
	require.Equal(t, 4, got.AttemptsLeft)
	require.Equal(t, []string{}, got.Messages)
	require.Nil(t, got.FinalizedAt)
	require.Nil(t, got.AttemptedAt)
	require.Equal(t, time.UTC, got.CreatedAt.Location())

	_, err = GetTask(ctx, b.ex, id+1)
	require.ErrorIs(t, err, ErrTaskNotFound)
}

// TestManageInCallerTransaction checks that a change inside a caller's
// transaction runs in a savepoint, is visible only on commit, and that a
// failed change leaves the caller's transaction usable.
func TestManageInCallerTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupStore(t)
	id := b.insert(t, "callertx")
	done := b.insert(t, "callertx")
	b.setStatus(t, done, completed)

	tx, err := b.ex.Begin(ctx)
	require.NoError(t, err)
	_, err = CancelTask(ctx, tx, done)
	require.ErrorIs(t, err, ErrTaskAlreadyFinalized)
	got, err := CancelTask(ctx, tx, id)
	require.NoError(t, err, "the caller's transaction is still usable")
	require.Equal(t, cancelled, got.Status)
	require.Equal(t, pending, b.get(t, id).Status, "visible before commit")
	require.NoError(t, tx.Rollback(ctx))
	require.Equal(t, pending, b.get(t, id).Status)

	tx, err = b.ex.Begin(ctx)
	require.NoError(t, err)
	_, err = DeleteTask(ctx, tx, id)
	require.NoError(t, err)
	require.NotNil(t, b.get(t, id), "visible before commit")
	require.NoError(t, tx.Commit(ctx))
	require.Nil(t, b.get(t, id))
}

// TestManageRace runs cancels, retries and deletes of one task at once.
// Each change locks the row, so the calls apply one after the other: every
// result must be one the tables allow for some order of the calls.
func TestManageRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupStore(t)
	const rounds = 5
	for range rounds {
		id := b.insert(t, "race")
		b.setStatus(t, id, failed)
		const perOp = 6
		changes := make(map[string]func() testfixture.ChangeResult, len(manageOps))
		for op, fn := range manageOps {
			changes[op] = func() testfixture.ChangeResult {
				row, err := fn(ctx, b.ex, id)
				if err != nil {
					return testfixture.ChangeResult{Err: err}
				}
				return testfixture.ChangeResult{Status: row.Status, FinalizedAt: row.FinalizedAt, AttemptsLeft: row.AttemptsLeft}
			}
		}
		results := testfixture.RaceChanges(perOp, changes)
		testfixture.CheckChangeRace(t, results, perOp, true, testfixture.ChangeErrors{
			NotFound: ErrTaskNotFound, AlreadyAvailable: ErrTaskAlreadyAvailable})
		require.Nil(t, b.get(t, id))
	}
}

func TestListTasks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupStore(t)
	var ids []int64
	for i, typ := range []string{"a", "b", "a", "c", "a"} {
		id, _, err := InsertTask(ctx, b.ex, NewTask{Type: typ, Payload: []byte{}, Attempts: 1,
			Delay: time.Duration(5-i) * time.Minute})
		require.NoError(t, err)
		ids = append(ids, id)
	}
	b.setStatus(t, ids[2], failed)

	tests := []struct {
		name      string
		q         ListQuery
		want      []int64
		wantTotal int
	}{
		{name: "all", q: ListQuery{Limit: 100}, want: ids, wantTotal: 5},
		{name: "desc", q: ListQuery{Limit: 100, Descending: true}, want: []int64{ids[4], ids[3], ids[2], ids[1], ids[0]}, wantTotal: 5},
		{name: "by blocked_till", q: ListQuery{Limit: 2, OrderBy: ListOrderBlockedTill}, want: []int64{ids[4], ids[3]}, wantTotal: 5},
		{name: "types", q: ListQuery{Limit: 100, Types: []string{"a", "c"}}, want: []int64{ids[0], ids[2], ids[3], ids[4]}, wantTotal: 4},
		{name: "statuses", q: ListQuery{Limit: 100, Statuses: []string{"failed"}}, want: []int64{ids[2]}, wantTotal: 1},
		{name: "ids", q: ListQuery{Limit: 100, IDs: []int64{ids[1], ids[4], testfixture.MissingID}}, want: []int64{ids[1], ids[4]}, wantTotal: 2},
		{name: "all filters", q: ListQuery{Limit: 100, IDs: ids[:3], Types: []string{"a"}, Statuses: []string{"pending"}},
			want: []int64{ids[0]}, wantTotal: 1},
		{name: "page", q: ListQuery{Limit: 2, Offset: 2}, want: ids[2:4], wantTotal: 5},
		{name: "past the end", q: ListQuery{Limit: 2, Offset: 10}, want: []int64{}, wantTotal: 5},
		{name: "no match", q: ListQuery{Limit: 2, Types: []string{"zzz"}}, want: []int64{}, wantTotal: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rows, total, err := ListTasks(ctx, b.ex, tt.q)
			require.NoError(t, err)
			got := []int64{}
			for _, r := range rows {
				got = append(got, r.ID)
			}
			require.Equal(t, tt.want, got)
			require.Equal(t, tt.wantTotal, total)
		})
	}
}

func TestListTasksBadQuery(t *testing.T) {
	t.Parallel()
	b := setupStore(t)
	for _, q := range []ListQuery{
		{Limit: 0},
		{Limit: 1, Offset: -1},
		{Limit: 1, OrderBy: ListOrder(99)},
	} {
		_, _, err := ListTasks(context.Background(), b.ex, q)
		require.Error(t, err)
	}
	require.Zero(t, b.ex.Counts.Statements.Load(), "bad queries reach the database")
}
