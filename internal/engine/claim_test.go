package engine

import "context"
import "sync"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"

func TestClaimTasks(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	ctx := context.Background()
	var ids []int64
	for i := range 3 {
		id := b.insertReady(t, "claim", 3)
		// Oldest blocked_till first, in the opposite order of the IDs (and
		// of the rows' places in the table).
		b.exec(t, `UPDATE asynqpg_tasks SET blocked_till = now() - make_interval(secs => $2) WHERE id = $1`, id, 10+i)
		ids = append([]int64{id}, ids...)
	}
	b.insertReady(t, "other", 3)
	future := b.insertReady(t, "claim", 3)
	b.exec(t, `UPDATE asynqpg_tasks SET blocked_till = now() + interval '1 hour' WHERE id = $1`, future)

	claimed, err := ClaimTasks(ctx, b.ex, "claim", 2, 90*time.Second)
	require.NoError(t, err)
	require.Len(t, claimed, 2)
	require.ElementsMatch(t, ids[:2], []int64{claimed[0].Task.ID, claimed[1].Task.ID}, "the two oldest are claimed")
	for _, c := range claimed {
		r := b.row(t, c.Task.ID)
		require.Equal(t, asynqpg.TaskStatusRunning, r.Status)
		require.NotNil(t, r.AttemptedAt)
		require.Equal(t, r.AttemptedAt.UnixMicro(), c.Attempt.Key)
		require.Equal(t, c.Task.ID, c.Attempt.ID)
		require.Equal(t, *r.AttemptedAt, *c.Task.AttemptedAt)
		require.Equal(t, 90*time.Second, r.BlockedTill.Sub(*r.AttemptedAt), "the lease counts from the database clock")
		require.Equal(t, "claim", c.Task.Type)
		require.Equal(t, []byte{1}, c.Task.Payload)
		require.Equal(t, 3, c.Task.AttemptsLeft)
		require.Equal(t, 0, c.Task.AttemptsElapsed)
		require.Equal(t, []string{}, c.Task.Messages)
	}

	claimed, err = ClaimTasks(ctx, b.ex, "claim", 10, time.Minute)
	require.NoError(t, err)
	require.Len(t, claimed, 1, "the running tasks and the future one are not ready")
	require.Equal(t, ids[2], claimed[0].Task.ID)

	claimed, err = ClaimTasks(ctx, b.ex, "claim", 0, time.Minute)
	require.NoError(t, err)
	require.Empty(t, claimed)
}

func TestClaimTasksExpiredLease(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		left        int
		wantClaimed bool
	}{
		{name: "attempts left after the lost one", left: 2, wantClaimed: true},
		{name: "the lost attempt was the last", left: 1, wantClaimed: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupProc(t)
			id := b.insertReady(t, "lease", tt.left)
			b.exec(t, `UPDATE asynqpg_tasks SET status = 'running', attempted_at = now() - interval '1 minute',
				blocked_till = now() - interval '1 second' WHERE id = $1`, id)
			claimed, err := ClaimTasks(context.Background(), b.ex, "lease", 5, time.Minute)
			require.NoError(t, err)
			if !tt.wantClaimed {
				require.Empty(t, claimed)
				return
			}
			require.Len(t, claimed, 1)
			c := claimed[0]
			require.Equal(t, tt.left-1, c.Task.AttemptsLeft, "the lost attempt is counted")
			require.Equal(t, 1, c.Task.AttemptsElapsed)
			require.Len(t, c.Task.Messages, 1)
			require.Contains(t, c.Task.Messages[0], "lease expired")
		})
	}
}

// TestClaimTasksOrderAcrossLeases checks that pending tasks and running
// tasks whose lease passed are claimed together in blocked_till order.
func TestClaimTasksOrderAcrossLeases(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	ctx := context.Background()
	ready := func(status string, ago int) int64 {
		id := b.insertReady(t, "mixed", 3)
		b.exec(t, `UPDATE asynqpg_tasks SET status = $2, attempted_at = now() - interval '1 hour',
			blocked_till = now() - make_interval(secs => $3) WHERE id = $1`, id, status, ago)
		return id
	}
	expiredOld := ready("running", 40)
	pendingOld := ready("pending", 30)
	expiredNew := ready("running", 20)
	pendingNew := ready("pending", 10)

	var order []int64
	for range 4 {
		claimed, err := ClaimTasks(ctx, b.ex, "mixed", 1, time.Minute)
		require.NoError(t, err)
		require.Len(t, claimed, 1)
		order = append(order, claimed[0].Task.ID)
	}
	require.Equal(t, []int64{expiredOld, pendingOld, expiredNew, pendingNew}, order)

	claimed, err := ClaimTasks(ctx, b.ex, "mixed", 10, time.Minute)
	require.NoError(t, err)
	require.Empty(t, claimed, "every task is running with a fresh lease")
}

func TestClaimTasksConcurrentClaimersNeverShare(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	const n = 300
	b.insertMany(t, "share", n)

	var (
		mu   sync.Mutex
		seen = map[int64]int{}
		wg   sync.WaitGroup
	)
	for range 4 {
		wg.Go(func() {
			for {
				claimed, err := ClaimTasks(context.Background(), b.ex, "share", 7, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if len(claimed) == 0 {
					return
				}
				mu.Lock()
				for _, c := range claimed {
					seen[c.Task.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Len(t, seen, n)
	for id, k := range seen {
		require.Equal(t, 1, k, "task %d claimed %d times", id, k)
	}
}

// insertMany inserts n ready tasks of typ with 3 attempts each.
func (b *procBundle) insertMany(t *testing.T, typ string, n int) {
	t.Helper()
	tasks := make([]NewTask, n)
	for i := range tasks {
		tasks[i] = NewTask{Type: typ, Payload: []byte{byte(i)}, Attempts: 3}
	}
	_, err := InsertTasks(context.Background(), b.ex, tasks)
	require.NoError(t, err)
}

// assertErr is a plain error with message msg.
type assertErr string

func (e assertErr) Error() string { return string(e) }
