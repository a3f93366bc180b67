package engine

import "context"
import "database/sql"
import "fmt"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

// TestInsertTasksColumns inserts batches in which one column differs
// between tasks and the others are the same, through both batch
// statements: each task must be stored with its own values, whether its
// column was sent whole or as one element for all.
func TestInsertTasksColumns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupStore(t)
	at := time.Date(2031, 1, 2, 3, 4, 5, 678901000, time.UTC)

	tests := map[string]func(i int, nt *NewTask){
		"all the same":  func(int, *NewTask) {},
		"types":         func(i int, nt *NewTask) { nt.Type += fmt.Sprint(i) },
		"attempts":      func(i int, nt *NewTask) { nt.Attempts = i + 1 },
		"process times": func(i int, nt *NewTask) { nt.ProcessAt = at.Add(time.Duration(i) * time.Second) },
		"one process at": func(i int, nt *NewTask) {
			if i == 1 {
				nt.ProcessAt = at
			}
		},
		"delays":         func(i int, nt *NewTask) { nt.Delay = time.Duration(i) * time.Minute },
		"trace contexts": func(i int, nt *NewTask) { nt.TraceContext = fmt.Sprintf(`{"n": "%d"}`, i) },
		"priorities":     func(i int, nt *NewTask) { nt.Priority = i - 1 },
		"tokens":         func(i int, nt *NewTask) { nt.IdempotencyToken = strPtr(fmt.Sprint(i)) },
		"unique periods": func(i int, nt *NewTask) { nt.UniqueFor = time.Duration(i+1) * time.Hour },
	}
	for name, vary := range tests {
		// Unique tasks take the statement that deduplicates, the others
		// the plain one (unless the case gives them tokens or periods).
		for _, uniqueFor := range []time.Duration{0, time.Hour} {
			t.Run(fmt.Sprintf("%s, unique for %v", name, uniqueFor), func(t *testing.T) {
				t.Parallel()
				typ := fmt.Sprintf("columns:%s:%v:", name, uniqueFor)
				tasks := make([]NewTask, 3)
				for i := range tasks {
					tasks[i] = NewTask{Type: typ, Payload: []byte{byte(i)}, Attempts: 2, Delay: time.Hour, UniqueFor: uniqueFor}
					vary(i, &tasks[i])
				}
				got, err := InsertTasks(ctx, b.ex, tasks)
				require.NoError(t, err)
				require.Len(t, got, len(tasks))
				for i, want := range tasks {
					require.Equal(t, want.Type, got[i].Type)
					requireStored(t, b, got[i].ID, want)
				}
			})
		}
	}
}

// requireStored checks the row of task id against the task inserted.
func requireStored(t *testing.T, b *storeBundle, id int64, want NewTask) {
	t.Helper()
	row := b.get(t, id)
	require.Equal(t, want.Type, row.Type)
	require.Equal(t, want.Payload, row.Payload)
	require.Equal(t, want.Attempts, row.AttemptsLeft)
	require.Equal(t, want.Priority, row.Priority)
	require.Equal(t, want.IdempotencyToken, row.IdempotencyToken)
	if want.ProcessAt.IsZero() {
		require.Equal(t, want.Delay, row.BlockedTill.Sub(row.CreatedAt))
	} else {
		require.True(t, want.ProcessAt.Equal(row.BlockedTill), "blocked till %v, want %v", row.BlockedTill, want.ProcessAt)
	}
	var trace, uniqueKey sql.NullString
	require.NoError(t, b.db.QueryRowContext(context.Background(),
		`SELECT trace_context::text, unique_key FROM asynqpg_tasks WHERE id = $1`, id).Scan(&trace, &uniqueKey))
	require.Equal(t, want.TraceContext != "", trace.Valid)
	if trace.Valid {
		require.JSONEq(t, want.TraceContext, trace.String)
	}
	require.Equal(t, want.UniqueFor > 0, uniqueKey.Valid)
	if uniqueKey.Valid {
		require.Regexp(t, fmt.Sprintf(`^%d:`, want.UniqueFor.Microseconds()), uniqueKey.String)
	}
}
