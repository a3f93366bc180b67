package conformance

import "context"
import "fmt"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/producer"

// uniqueWindow is a unique period long enough that a test never sees its
// window change.
const uniqueWindow = 100 * 24 * time.Hour

// uniqueTask is a task of type typ and payload, unique for period.
func uniqueTask(typ, payload string, period time.Duration) *asynqpg.Task {
	return asynqpg.NewTask(typ, []byte(payload), asynqpg.WithUniqueFor(period))
}

func testScheduleUnique(t *testing.T, b *apiBundle) {
	t.Parallel()

	t.Run("Enqueue", func(t *testing.T) {
		t.Parallel()
		first, err := b.enqueue(t, uniqueTask("unique:single", "p", uniqueWindow))
		require.NoError(t, err)
		again, err := b.enqueue(t, uniqueTask("unique:single", "p", uniqueWindow))
		require.ErrorIs(t, err, producer.ErrDuplicateTask)
		require.Equal(t, first, again, "a duplicate returns the existing task's ID")

		for _, task := range []*asynqpg.Task{
			uniqueTask("unique:single", "other payload", uniqueWindow),
			uniqueTask("unique:single:other", "p", uniqueWindow),
			asynqpg.NewTask("unique:single", []byte("p")), // not unique
		} {
			id, err := b.enqueue(t, task)
			require.NoError(t, err, "another payload, another type or no unique period is another task")
			require.NotEqual(t, first, id)
		}
		require.Equal(t, 4, b.countType(t, "unique:single", "unique:single:other"))
	})

	t.Run("EnqueueTx", func(t *testing.T) {
		t.Parallel()
		ctx := opContext(t)
		tx := b.Begin(t)
		first, err := b.Producer.EnqueueTx(ctx, tx.Querier, uniqueTask("unique:tx", "p", uniqueWindow))
		require.NoError(t, err)
		again, err := b.Producer.EnqueueTx(ctx, tx.Querier, uniqueTask("unique:tx", "p", uniqueWindow))
		require.ErrorIs(t, err, producer.ErrDuplicateTask, "a duplicate within one transaction")
		require.Equal(t, first, again)
		require.NoError(t, tx.Commit(ctx))

		again, err = viaTx(t, b, func(q asynqpg.Querier) (int64, error) {
			return b.Producer.EnqueueTx(ctx, q, uniqueTask("unique:tx", "p", uniqueWindow))
		})
		require.ErrorIs(t, err, producer.ErrDuplicateTask, "a duplicate of a committed task")
		require.Equal(t, first, again)
		require.Equal(t, 1, b.countType(t, "unique:tx"))
	})

	t.Run("Batches", func(t *testing.T) {
		t.Parallel()
		existing, err := b.enqueue(t, uniqueTask("unique:batch", "old", uniqueWindow))
		require.NoError(t, err)
		ids, err := b.enqueueMany(t, []*asynqpg.Task{
			uniqueTask("unique:batch", "a", uniqueWindow),
			uniqueTask("unique:batch", "old", uniqueWindow),
			uniqueTask("unique:batch", "a", uniqueWindow),
			uniqueTask("unique:batch", "b", uniqueWindow),
			asynqpg.NewTask("unique:batch", []byte("a")),
		})
		require.NoError(t, err)
		require.Len(t, ids, 3, "duplicates in the batch and of an existing task are skipped")
		for i, want := range []string{"a", "b", "a"} {
			require.Equal(t, want, string(b.stored(t, ids[i]).Payload))
			require.NotEqual(t, existing, ids[i])
		}
		require.Equal(t, 4, b.countType(t, "unique:batch"))
	})

	t.Run("EarlierTask", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			status asynqpg.TaskStatus
			frees  bool
		}{
			{asynqpg.TaskStatusPending, false},
			{asynqpg.TaskStatusRunning, false},
			{asynqpg.TaskStatusCompleted, false},
			{asynqpg.TaskStatusFailed, true},
			{asynqpg.TaskStatusCancelled, true},
		} {
			t.Run(string(tc.status), func(t *testing.T) {
				typ := "unique:earlier:" + string(tc.status)
				first, err := b.enqueue(t, uniqueTask(typ, "p", uniqueWindow))
				require.NoError(t, err)
				b.setStatus(t, first, tc.status)
				id, err := b.enqueue(t, uniqueTask(typ, "p", uniqueWindow))
				if tc.frees {
					require.NoError(t, err, "a %s task does not hold its window", tc.status)
					require.NotEqual(t, first, id)
					require.Equal(t, 2, b.countType(t, typ))
					return
				}
				require.ErrorIs(t, err, producer.ErrDuplicateTask, "a %s task holds its window", tc.status)
				require.Equal(t, first, id)
				require.Equal(t, 1, b.countType(t, typ))
			})
		}
	})

	t.Run("NewWindow", func(t *testing.T) {
		t.Parallel()
		first, err := b.enqueue(t, uniqueTask("unique:window", "p", time.Second))
		require.NoError(t, err)
		var next int64
		require.Eventually(t, func() bool {
			id, err := b.enqueue(t, uniqueTask("unique:window", "p", time.Second))
			if err != nil {
				require.ErrorIs(t, err, producer.ErrDuplicateTask)
				require.Equal(t, first, id)
				return false
			}
			next = id
			return true
		}, apiWaitTimeout, 50*time.Millisecond, "the next window of the database clock takes a new task")
		require.NotEqual(t, first, next)
		var firstWindow, nextWindow int64
		require.NoError(t, b.Check.QueryRowContext(context.Background(), `
SELECT (SELECT floor(extract(epoch FROM created_at))::bigint FROM asynqpg_tasks WHERE id = $1),
       (SELECT floor(extract(epoch FROM created_at))::bigint FROM asynqpg_tasks WHERE id = $2)`, first, next).
			Scan(&firstWindow, &nextWindow))
		require.Less(t, firstWindow, nextWindow, "the two tasks were created in different one-second windows")
	})

	t.Run("NonPositivePeriod", func(t *testing.T) {
		t.Parallel()
		for _, period := range []time.Duration{0, -time.Second} {
			reason := fmt.Sprintf("task unique period is %v: must be positive", period)
			id, err := b.enqueue(t, uniqueTask("unique:bad", "p", period))
			require.ErrorIs(t, err, producer.ErrInvalidTask)
			require.EqualError(t, err, reason)
			require.Zero(t, id)
			ids, err := b.enqueueMany(t, []*asynqpg.Task{
				uniqueTask("unique:bad", "q", time.Hour),
				uniqueTask("unique:bad", "p", period),
			})
			require.ErrorIs(t, err, producer.ErrInvalidTask)
			require.EqualError(t, err, "validate task at index 1: "+reason)
			require.Empty(t, ids)
		}
		require.Zero(t, b.countType(t, "unique:bad"))
	})
}
