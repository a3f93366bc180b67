package engine

import "bytes"
import "context"
import "fmt"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/internal/testfixture"

func strPtr(s string) *string { return &s }

func TestInsertTask(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupStore(t)
	processAt := time.Date(2030, 5, 6, 7, 8, 9, 123456789, time.UTC)

	tests := []struct {
		name       string
		task       NewTask
		wantOffset time.Duration // blocked_till - now(), when processAt is zero
		wantAt     time.Time
	}{
		{name: "ready", task: NewTask{Type: "t:ready", Payload: []byte("p"), Attempts: 3}},
		{name: "empty payload", task: NewTask{Type: "t:empty", Payload: []byte{}, Attempts: 1}},
		{name: "delay", task: NewTask{Type: "t:delay", Payload: []byte("p"), Attempts: 5, Delay: 90 * time.Minute}, wantOffset: 90 * time.Minute},
		{name: "process at", task: NewTask{Type: "t:at", Payload: []byte("p"), Attempts: 0, ProcessAt: processAt},
			wantAt: processAt.Truncate(time.Microsecond)},
		{name: "process at wins over delay", task: NewTask{Type: "t:both", Payload: []byte("p"), Attempts: 2,
			ProcessAt: processAt, Delay: time.Hour}, wantAt: processAt.Truncate(time.Microsecond)},
		{name: "token", task: NewTask{Type: "t:token", Payload: []byte("p"), Attempts: 3, IdempotencyToken: strPtr("k")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id, inserted, err := InsertTask(ctx, b.ex, tt.task)
			require.NoError(t, err)
			require.True(t, inserted)
			row := b.get(t, id)
			require.NotNil(t, row)
			require.Equal(t, tt.task.Type, row.Type)
			require.Equal(t, tt.task.Payload, row.Payload)
			require.Equal(t, tt.task.IdempotencyToken, row.IdempotencyToken)
			require.Equal(t, tt.task.Attempts, row.AttemptsLeft)
			require.Zero(t, row.AttemptsElapsed)
			require.Equal(t, "pending", string(row.Status))
			if !tt.wantAt.IsZero() {
				require.True(t, tt.wantAt.Equal(row.BlockedTill), "blocked_till %s, want %s", row.BlockedTill, tt.wantAt)
				return
			}
			// blocked_till is now() of the insert plus the delay;
			// created_at is that same now().
			require.Equal(t, tt.wantOffset, row.BlockedTill.Sub(row.CreatedAt))
		})
	}
}

func TestInsertTaskDuplicate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupStore(t)
	task := NewTask{Type: "dup", Payload: []byte("first"), Attempts: 3, IdempotencyToken: strPtr("k")}
	id, inserted, err := InsertTask(ctx, b.ex, task)
	require.NoError(t, err)
	require.True(t, inserted)

	task.Payload = []byte("second")
	again, inserted, err := InsertTask(ctx, b.ex, task)
	require.NoError(t, err)
	require.False(t, inserted)
	require.Equal(t, id, again)
	require.Equal(t, []byte("first"), b.get(t, id).Payload)

	// The same token with another type is another task.
	task.Type = "dup:other"
	other, inserted, err := InsertTask(ctx, b.ex, task)
	require.NoError(t, err)
	require.True(t, inserted)
	require.NotEqual(t, id, other)
}

func TestInsertTaskConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupStore(t)
	const n = 16
	var (
		ids      [n]int64
		inserted [n]bool
		errs     [n]error
	)
	testfixture.AtOnce(n, func(i int) {
		ids[i], inserted[i], errs[i] = InsertTask(ctx, b.ex,
			NewTask{Type: "race", Payload: []byte{}, Attempts: 1, IdempotencyToken: strPtr("same")})
	})
	created := 0
	for i := range n {
		require.NoError(t, errs[i])
		require.Equal(t, ids[0], ids[i])
		if inserted[i] {
			created++
		}
	}
	require.Equal(t, 1, created)
	require.Equal(t, 1, testfixture.CountTypes(t, b.db, "race"))
}

func TestInsertTasks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupStore(t)

	existing, _, err := InsertTask(ctx, b.ex, NewTask{Type: "batch", Payload: []byte("old"), Attempts: 1, IdempotencyToken: strPtr("old")})
	require.NoError(t, err)

	at := time.Date(2031, 1, 2, 3, 4, 5, 678901000, time.UTC)
	tasks := []NewTask{
		{Type: "batch", Payload: []byte("a"), Attempts: 1},
		{Type: "batch", Payload: []byte("b"), Attempts: 2, IdempotencyToken: strPtr("x")},
		{Type: "batch", Payload: []byte("c"), Attempts: 3, IdempotencyToken: strPtr("old")}, // exists
		{Type: "batch", Payload: []byte("d"), Attempts: 4, IdempotencyToken: strPtr("x")},   // repeats task 1
		{Type: "batch:other", Payload: []byte("e"), Attempts: 5, IdempotencyToken: strPtr("x"), ProcessAt: at},
		{Type: "batch", Payload: []byte{}, Attempts: 6, Delay: time.Hour},
	}
	before := b.ex.Counts.Statements.Load()
	got, err := InsertTasks(ctx, b.ex, tasks)
	require.NoError(t, err)
	require.Equal(t, int64(1), b.ex.Counts.Statements.Load()-before)
	require.Len(t, got, 4)
	wantPayloads := []string{"a", "b", "e", ""}
	wantTypes := []string{"batch", "batch", "batch:other", "batch"}
	for i, it := range got {
		if i > 0 {
			require.Greater(t, it.ID, got[i-1].ID)
		}
		require.NotEqual(t, existing, it.ID)
		require.Equal(t, wantTypes[i], it.Type)
		row := b.get(t, it.ID)
		require.Equal(t, wantPayloads[i], string(row.Payload))
	}
	require.True(t, at.Equal(b.get(t, got[2].ID).BlockedTill))
	delayed := b.get(t, got[3].ID)
	require.Equal(t, time.Hour, delayed.BlockedTill.Sub(delayed.CreatedAt))
	require.Equal(t, 6, delayed.AttemptsLeft)
	require.Equal(t, []byte("old"), b.get(t, existing).Payload)
}

func TestInsertTasksEmpty(t *testing.T) {
	t.Parallel()
	b := setupStore(t)
	got, err := InsertTasks(context.Background(), b.ex, nil)
	require.NoError(t, err)
	require.Empty(t, got)
	require.Zero(t, b.ex.Counts.Statements.Load())
}

// TestInsertTasksStatements proves a batch is one statement up to
// MaxBatchTasks, and several in one transaction beyond.
func TestInsertTasksStatements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	tests := map[string]struct {
		n              int
		wantStatements int64
		wantBegins     int64
	}{
		"one":                  {n: 1, wantStatements: 1},
		"max in one statement": {n: MaxBatchTasks, wantStatements: 1},
		"one more than fits":   {n: MaxBatchTasks + 1, wantStatements: 2, wantBegins: 1},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setupStore(t)
			typ := "stmt:" + name
			tasks := make([]NewTask, tt.n)
			for i := range tasks {
				tasks[i] = NewTask{Type: typ, Payload: []byte{byte(i)}, Attempts: 1, IdempotencyToken: strPtr(fmt.Sprint(i))}
			}
			got, err := InsertTasks(ctx, b.ex, tasks)
			require.NoError(t, err)
			require.Len(t, got, tt.n)
			require.Equal(t, tt.wantStatements, b.ex.Counts.Statements.Load())
			require.Equal(t, tt.wantBegins, b.ex.Counts.Begins.Load())
			require.Equal(t, tt.wantBegins, b.ex.Counts.Commits.Load())
			require.Equal(t, tt.n, testfixture.CountTypes(t, b.db, typ))
		})
	}
}

// overBatch returns one task of typ more than a statement inserts.
func overBatch(typ string) []NewTask {
	tasks := make([]NewTask, MaxBatchTasks+1)
	for i := range tasks {
		tasks[i] = NewTask{Type: typ, Payload: []byte{}, Attempts: 1}
	}
	return tasks
}

// TestInsertTasksAllOrNothing makes the second statement of a split batch
// fail: the first one's rows must not remain.
func TestInsertTasksAllOrNothing(t *testing.T) {
	t.Parallel()
	b := setupStore(t)
	tasks := overBatch("aon")
	tasks[MaxBatchTasks].Type = "" // violates the table's CHECK, in the second statement
	_, err := InsertTasks(context.Background(), b.ex, tasks)
	require.Error(t, err)
	require.Equal(t, int64(2), b.ex.Counts.Statements.Load())
	require.Zero(t, testfixture.CountTypes(t, b.db, "aon"))
}

// TestInsertTasksDuplicatesAcrossStatements checks that deduplication
// holds between the statements of a split batch.
func TestInsertTasksDuplicatesAcrossStatements(t *testing.T) {
	t.Parallel()
	b := setupStore(t)
	tasks := overBatch("cross")
	tasks[0].IdempotencyToken = strPtr("k")
	tasks[MaxBatchTasks].IdempotencyToken = strPtr("k")
	got, err := InsertTasks(context.Background(), b.ex, tasks)
	require.NoError(t, err)
	require.Len(t, got, MaxBatchTasks)
	require.Equal(t, MaxBatchTasks, testfixture.CountTypes(t, b.db, "cross"))
}

func TestSplitBatch(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte{1}, MaxBatchPayloadBytes/2+1)
	mk := func(sizes ...int) []NewTask {
		out := make([]NewTask, len(sizes))
		for i, s := range sizes {
			out[i] = NewTask{Payload: big[:s]}
		}
		return out
	}
	half := MaxBatchPayloadBytes / 2
	tests := []struct {
		name  string
		tasks []NewTask
		want  []int
	}{
		{name: "one", tasks: mk(0), want: []int{1}},
		{name: "bytes fit exactly", tasks: mk(half, half), want: []int{2}},
		{name: "bytes overflow", tasks: mk(half, half+1, 1), want: []int{1, 2}},
		{name: "each over half", tasks: mk(half+1, half+1, half+1), want: []int{1, 1, 1}},
		{name: "count", tasks: make([]NewTask, 2*MaxBatchTasks+1), want: []int{MaxBatchTasks, MaxBatchTasks, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []int
			total := 0
			for _, c := range splitBatch(tt.tasks) {
				got = append(got, len(c))
				total += len(c)
			}
			require.Equal(t, tt.want, got)
			require.Equal(t, len(tt.tasks), total)
		})
	}
}

// TestInsertTasksInCallerTransaction checks that a split batch inside a
// caller's transaction uses a savepoint and disappears with a rollback.
func TestInsertTasksInCallerTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupStore(t)
	tx, err := b.ex.Begin(ctx)
	require.NoError(t, err)
	tasks := make([]NewTask, MaxBatchTasks+1)
	for i := range tasks {
		tasks[i] = NewTask{Type: "callertx", Payload: []byte{}, Attempts: 1}
	}
	got, err := InsertTasks(ctx, tx, tasks)
	require.NoError(t, err)
	require.Len(t, got, len(tasks))
	require.Zero(t, testfixture.CountTypes(t, b.db, "callertx"), "visible before the caller commits")
	require.NoError(t, tx.Rollback(ctx))
	require.Zero(t, testfixture.CountTypes(t, b.db, "callertx"))
}

// TestInsertTasksFirstDuplicateWins checks that of many tasks of a batch
// with one token, the first is kept: a sort that is not stable must not
// pick another (DISTINCT ON needs its own ORDER BY for that).
func TestInsertTasksFirstDuplicateWins(t *testing.T) {
	t.Parallel()
	b := setupStore(t)
	const tokens = 7
	tasks := make([]NewTask, 5000)
	for i := range tasks {
		tasks[i] = NewTask{Type: "first", Payload: []byte(fmt.Sprint(i)), Attempts: 1, IdempotencyToken: strPtr(fmt.Sprint(i % tokens))}
	}
	got, err := InsertTasks(context.Background(), b.ex, tasks)
	require.NoError(t, err)
	require.Len(t, got, tokens)
	for i, g := range got {
		require.Equal(t, fmt.Sprint(i), string(b.get(t, g.ID).Payload))
	}
}
