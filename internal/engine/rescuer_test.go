package engine

import "context"
import "math/rand/v2"
import "slices"
import "sync"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"

const rescuedMessage = "rescued: the attempt was stuck in running past its lease"

// handlerCalls records the calls of an ErrorHandler.
type handlerCalls struct {
	mu    sync.Mutex
	tasks []*asynqpg.TaskInfo
	errs  []error
	panic bool // panic after recording
}

func (h *handlerCalls) HandleError(_ context.Context, task *asynqpg.TaskInfo, err error) {
	h.mu.Lock()
	h.tasks = append(h.tasks, task)
	h.errs = append(h.errs, err)
	h.mu.Unlock()
	if h.panic {
		panic("handler exploded")
	}
}

func (h *handlerCalls) byID() map[int64]*asynqpg.TaskInfo {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[int64]*asynqpg.TaskInfo, len(h.tasks))
	for _, ti := range h.tasks {
		out[ti.ID] = ti
	}
	return out
}

func TestRescue(t *testing.T) {
	t.Parallel()
	b := setupMaintenance(t)
	type want struct {
		status       asynqpg.TaskStatus
		attemptsLeft int
		elapsed      int
		rescued      bool // the rescue message was appended and the row changed
		reported     bool // the ErrorHandler was called for it
	}
	tests := []struct {
		name string
		spec taskSpec
		want want
	}{
		{
			name: "lease passed beyond the threshold, attempts left",
			spec: taskSpec{status: asynqpg.TaskStatusRunning, attemptsLeft: 3, elapsed: 0, blockedAgo: 2 * time.Minute},
			want: want{status: asynqpg.TaskStatusPending, attemptsLeft: 2, elapsed: 1, rescued: true},
		},
		{
			name: "two attempts left",
			spec: taskSpec{status: asynqpg.TaskStatusRunning, attemptsLeft: 2, elapsed: 4, blockedAgo: time.Hour},
			want: want{status: asynqpg.TaskStatusPending, attemptsLeft: 1, elapsed: 5, rescued: true},
		},
		{
			name: "the lost attempt was the last",
			spec: taskSpec{status: asynqpg.TaskStatusRunning, attemptsLeft: 1, elapsed: 2, blockedAgo: time.Hour},
			want: want{status: asynqpg.TaskStatusFailed, attemptsLeft: 0, elapsed: 3, rescued: true, reported: true},
		},
		{
			name: "no attempts left at all",
			spec: taskSpec{status: asynqpg.TaskStatusRunning, attemptsLeft: 0, elapsed: 3, blockedAgo: time.Hour},
			want: want{status: asynqpg.TaskStatusFailed, attemptsLeft: 0, elapsed: 4, rescued: true, reported: true},
		},
		{
			name: "lease passed within the threshold",
			spec: taskSpec{status: asynqpg.TaskStatusRunning, attemptsLeft: 1, elapsed: 2, blockedAgo: 30 * time.Second},
			want: want{status: asynqpg.TaskStatusRunning, attemptsLeft: 1, elapsed: 2},
		},
		{
			name: "lease not passed",
			spec: taskSpec{status: asynqpg.TaskStatusRunning, attemptsLeft: 1, elapsed: 2, blockedAgo: -time.Hour},
			want: want{status: asynqpg.TaskStatusRunning, attemptsLeft: 1, elapsed: 2},
		},
		{
			name: "pending",
			spec: taskSpec{status: asynqpg.TaskStatusPending, attemptsLeft: 1, blockedAgo: time.Hour},
			want: want{status: asynqpg.TaskStatusPending, attemptsLeft: 1},
		},
		{
			name: "completed",
			spec: taskSpec{status: asynqpg.TaskStatusCompleted, attemptsLeft: 1, blockedAgo: time.Hour, finalizedAgo: time.Minute},
			want: want{status: asynqpg.TaskStatusCompleted, attemptsLeft: 1},
		},
	}
	ids := make([]int64, len(tests))
	before := make([]*TaskRow, len(tests))
	for i, tt := range tests {
		ids[i] = b.insertOne(t, tt.spec)
		before[i] = b.get(t, ids[i])
	}

	handler := &handlerCalls{}
	m := b.newMaintainer(t, MaintainerConfig{StuckThreshold: time.Minute, ErrorHandler: handler})
	var dbNow time.Time
	require.NoError(t, b.db.QueryRow(`SELECT now()`).Scan(&dbNow))
	res, err := m.RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, MaintenanceResult{Requeued: 2, Failed: 2}, res)

	reported := handler.byID()
	require.Len(t, reported, 2, "the ErrorHandler is called once per task failed")
	for _, err := range handler.errs {
		require.ErrorIs(t, err, ErrAttemptStuck)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := b.get(t, ids[i])
			require.Equal(t, tt.want.status, got.Status)
			require.Equal(t, tt.want.attemptsLeft, got.AttemptsLeft)
			require.Equal(t, tt.want.elapsed, got.AttemptsElapsed)
			if !tt.want.rescued {
				require.Equal(t, before[i], got, "left alone")
				require.NotContains(t, reported, ids[i])
				return
			}
			require.Equal(t, []string{rescuedMessage}, got.Messages)
			require.Equal(t, before[i].AttemptedAt, got.AttemptedAt)
			require.False(t, got.UpdatedAt.Before(dbNow))
			if tt.want.status == asynqpg.TaskStatusPending {
				require.Nil(t, got.FinalizedAt)
				require.False(t, got.BlockedTill.Before(dbNow), "ready at once")
			} else {
				require.NotNil(t, got.FinalizedAt)
				require.False(t, got.FinalizedAt.Before(dbNow))
			}
			info, ok := reported[ids[i]]
			require.Equal(t, tt.want.reported, ok)
			if ok {
				require.Equal(t, &asynqpg.TaskInfo{
					ID: got.ID, Type: "maint", Payload: []byte{1}, AttemptsLeft: got.AttemptsLeft,
					AttemptsElapsed: got.AttemptsElapsed, CreatedAt: got.CreatedAt, AttemptedAt: got.AttemptedAt,
					Messages: []string{rescuedMessage},
				}, info)
			}
		})
	}
}

func TestRescueInBatches(t *testing.T) {
	t.Parallel()
	b := setupMaintenance(t)
	requeue, _ := b.insert(t, 17, taskSpec{status: asynqpg.TaskStatusRunning, attemptsLeft: 3, blockedAgo: time.Hour})
	fail, _ := b.insert(t, 8, taskSpec{status: asynqpg.TaskStatusRunning, attemptsLeft: 1, blockedAgo: time.Hour})

	handler := &handlerCalls{panic: true}
	logger, logs := bufferLogger()
	m := b.newMaintainer(t, MaintainerConfig{BatchSize: 10, ErrorHandler: handler, Logger: logger})
	res, err := m.RunOnce(context.Background())
	require.NoError(t, err, "a panicking ErrorHandler does not stop maintenance")
	require.Equal(t, MaintenanceResult{Requeued: 17, Failed: 8}, res)
	require.Len(t, handler.byID(), 8)
	require.Contains(t, logs.String(), "ErrorHandler panicked")
	require.Contains(t, logs.String(), `msg="rescued stuck tasks"`)
	require.Contains(t, logs.String(), "requeued=17 failed=8")
	for _, id := range requeue {
		require.Equal(t, asynqpg.TaskStatusPending, b.status(t, id))
	}
	for _, id := range fail {
		require.Equal(t, asynqpg.TaskStatusFailed, b.status(t, id))
	}
}

// complete records the successful completion of one attempt with the
// statement a consumer uses, and reports whether it was written.
func complete(ctx context.Context, b *maintBundle, id, key int64) (bool, error) {
	n, err := b.ex.Exec(ctx, sqlCompleteAttempts, []int64{id}, []int64{key})
	return n == 1, err
}

// TestRescueRacesCompletion runs completions of attempts whose lease
// passed concurrently with the rescuer, many times: each task ends either
// completed by its attempt or rescued, never both, and a completed task is
// never rescued afterwards.
func TestRescueRacesCompletion(t *testing.T) {
	t.Parallel()
	b := setupMaintenance(t)
	m := b.newMaintainer(t, MaintainerConfig{BatchSize: 3, StuckThreshold: time.Microsecond})
	ctx := context.Background()
	const (
		iterations = 200
		tasks      = 8
		completers = 2
	)
	var sawCompleted, sawRescued bool
	for iter := range iterations {
		attempts := 1 + iter%3
		ids, keys := b.insert(t, tasks, taskSpec{status: asynqpg.TaskStatusRunning, attemptsLeft: attempts, blockedAgo: time.Hour})

		var (
			wg        sync.WaitGroup
			mu        sync.Mutex
			completed []int64
			res       MaintenanceResult
			rescueErr error
		)
		start := make(chan struct{})
		order := rand.Perm(tasks)
		for w := range completers {
			wg.Go(func() {
				<-start
				for j := w; j < tasks; j += completers {
					k := order[j]
					ok, err := complete(ctx, b, ids[k], keys[k])
					if err != nil {
						t.Errorf("complete task %d: %v", ids[k], err)
						return
					}
					if ok {
						mu.Lock()
						completed = append(completed, ids[k])
						mu.Unlock()
					}
				}
			})
		}
		wg.Go(func() {
			<-start
			// A random head start, so that runs try different interleavings.
			time.Sleep(time.Duration(rand.IntN(500)) * time.Microsecond)
			res, rescueErr = m.RunOnce(ctx)
		})
		close(start)
		wg.Wait()
		require.NoError(t, rescueErr)

		require.Equal(t, tasks-len(completed), res.Requeued+res.Failed,
			"iteration %d: every task is completed or rescued, not both", iter)
		for _, id := range ids {
			got := b.get(t, id)
			if slices.Contains(completed, id) {
				require.Equal(t, asynqpg.TaskStatusCompleted, got.Status, "iteration %d: task %d", iter, id)
				require.Empty(t, got.Messages)
				require.Equal(t, attempts, got.AttemptsLeft)
				require.Zero(t, got.AttemptsElapsed)
				sawCompleted = true
				continue
			}
			wantStatus := asynqpg.TaskStatusPending
			if attempts == 1 {
				wantStatus = asynqpg.TaskStatusFailed
			}
			require.Equal(t, wantStatus, got.Status, "iteration %d: task %d", iter, id)
			require.Equal(t, []string{rescuedMessage}, got.Messages)
			require.Equal(t, attempts-1, got.AttemptsLeft)
			require.Equal(t, 1, got.AttemptsElapsed)
			sawRescued = true
		}
	}
	require.True(t, sawCompleted && sawRescued, "both sides won some races")
}
