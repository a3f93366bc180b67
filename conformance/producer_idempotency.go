package conformance

import "fmt"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/testfixture"
import "github.com/yakser/asynqpg/producer"

func testProducerIdempotency(t *testing.T, b *apiBundle) {
	t.Parallel()

	t.Run("Enqueue", func(t *testing.T) {
		t.Parallel()
		id, err := b.enqueue(t, asynqpg.NewTask("idem:single", []byte("first"), asynqpg.WithIdempotencyToken("k")))
		require.NoError(t, err)
		for _, task := range []*asynqpg.Task{
			asynqpg.NewTask("idem:single", []byte("second"), asynqpg.WithIdempotencyToken("k")),
			asynqpg.NewTask("idem:single", []byte("third"), asynqpg.WithIdempotencyToken("k"),
				asynqpg.WithDelay(time.Hour), asynqpg.WithMaxRetry(1)),
		} {
			again, err := b.enqueue(t, task)
			require.ErrorIs(t, err, producer.ErrDuplicateTask)
			require.Equal(t, id, again, "a duplicate returns the existing task's ID")
		}
		s := b.stored(t, id)
		require.Equal(t, []byte("first"), s.Payload, "the existing task is unchanged")
		require.Equal(t, 3, s.AttemptsLeft)
		require.Equal(t, 1, b.countType(t, "idem:single"))

		other, err := b.enqueue(t, asynqpg.NewTask("idem:single:other", []byte{}, asynqpg.WithIdempotencyToken("k")))
		require.NoError(t, err, "the same token with another type is another task")
		require.NotEqual(t, id, other)
		for range 2 {
			_, err := b.enqueue(t, asynqpg.NewTask("idem:single", []byte{}))
			require.NoError(t, err, "tasks without a token never collide")
		}
		require.Equal(t, 3, b.countType(t, "idem:single"))
	})

	t.Run("EnqueueMany", func(t *testing.T) {
		t.Parallel()
		existing, err := b.enqueue(t, asynqpg.NewTask("idem:batch", []byte("old"), asynqpg.WithIdempotencyToken("old")))
		require.NoError(t, err)
		ids, err := b.enqueueMany(t, []*asynqpg.Task{
			asynqpg.NewTask("idem:batch", []byte("0")),
			asynqpg.NewTask("idem:batch", []byte("1"), asynqpg.WithIdempotencyToken("x")),
			asynqpg.NewTask("idem:batch", []byte("2"), asynqpg.WithIdempotencyToken("old")),
			asynqpg.NewTask("idem:batch", []byte("3"), asynqpg.WithIdempotencyToken("x")),
			asynqpg.NewTask("idem:batch:other", []byte("4"), asynqpg.WithIdempotencyToken("x")),
			asynqpg.NewTask("idem:batch", []byte("5"), asynqpg.WithIdempotencyToken("y")),
			asynqpg.NewTask("idem:batch", []byte("6"), asynqpg.WithIdempotencyToken("y")),
			asynqpg.NewTask("idem:batch", []byte("7")),
		})
		require.NoError(t, err)
		require.Len(t, ids, 5, "only new tasks get IDs")
		want := []string{"0", "1", "4", "5", "7"}
		for i, id := range ids {
			if i > 0 {
				require.Greater(t, id, ids[i-1])
			}
			require.NotEqual(t, existing, id)
			require.Equal(t, want[i], string(b.stored(t, id).Payload), "the first of in-batch duplicates is kept")
		}
		require.Equal(t, []byte("old"), b.stored(t, existing).Payload)
		require.Equal(t, 6, b.countType(t, "idem:batch", "idem:batch:other"))

		again, err := b.enqueueMany(t, []*asynqpg.Task{
			asynqpg.NewTask("idem:batch", []byte{}, asynqpg.WithIdempotencyToken("x")),
			asynqpg.NewTask("idem:batch", []byte{}, asynqpg.WithIdempotencyToken("y")),
		})
		require.NoError(t, err)
		require.Empty(t, again, "a batch of duplicates creates nothing")
		require.NotNil(t, again)
	})
}

// testProducerConcurrentDuplicates enqueues the same task from many
// goroutines at once: exactly one creates it, all get its ID.
func testProducerConcurrentDuplicates(t *testing.T, b *apiBundle) {
	t.Parallel()
	const n = 8

	t.Run("Enqueue", func(t *testing.T) {
		t.Parallel()
		var (
			ids  [n]int64
			errs [n]error
		)
		testfixture.AtOnce(n, func(i int) {
			ids[i], errs[i] = b.enqueue(t, asynqpg.NewTask("race:single", []byte(fmt.Sprint(i)), asynqpg.WithIdempotencyToken("same")))
		})
		created := 0
		for i := range n {
			require.Equal(t, ids[0], ids[i])
			if errs[i] == nil {
				created++
				continue
			}
			require.ErrorIs(t, errs[i], producer.ErrDuplicateTask)
		}
		require.Equal(t, 1, created, "exactly one call creates the task")
		require.Equal(t, 1, b.countType(t, "race:single"))
		require.NotNil(t, b.stored(t, ids[0]))
	})

	t.Run("EnqueueMany", func(t *testing.T) {
		t.Parallel()
		const tokens = 5
		var (
			ids  [n][]int64
			errs [n]error
		)
		testfixture.AtOnce(n, func(i int) {
			batch := make([]*asynqpg.Task, tokens)
			for k := range batch {
				batch[k] = asynqpg.NewTask("race:batch", []byte{}, asynqpg.WithIdempotencyToken(fmt.Sprint(k)))
			}
			ids[i], errs[i] = b.enqueueMany(t, batch)
		})
		seen := map[int64]bool{}
		for i := range n {
			require.NoError(t, errs[i])
			for _, id := range ids[i] {
				require.False(t, seen[id], "task %d created twice", id)
				seen[id] = true
			}
		}
		require.Len(t, seen, tokens)
		require.Equal(t, tokens, b.countType(t, "race:batch"))
	})
}
