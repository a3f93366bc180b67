package conformance

import "context"
import "fmt"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/engine"
import "github.com/yakser/asynqpg/producer"

// testProducerTransactions checks, for every entry, that EnqueueTx and
// EnqueueManyTx write exactly when the transaction commits.
func testProducerTransactions(t *testing.T, b *apiBundle) {
	t.Parallel()
	ctx := context.Background()
	for _, commit := range []bool{true, false} {
		t.Run(fmt.Sprintf("commit=%t", commit), func(t *testing.T) {
			t.Parallel()
			typ := fmt.Sprintf("tx:%t", commit)
			tx := b.Begin(t)
			id, err := b.Producer.EnqueueTx(ctx, tx.Querier, asynqpg.NewTask(typ, []byte("one"), asynqpg.WithIdempotencyToken("k")))
			require.NoError(t, err)
			// Inside the transaction, the task is there: a duplicate finds it.
			again, err := b.Producer.EnqueueTx(ctx, tx.Querier, asynqpg.NewTask(typ, []byte{}, asynqpg.WithIdempotencyToken("k")))
			require.ErrorIs(t, err, producer.ErrDuplicateTask)
			require.Equal(t, id, again)
			ids, err := b.Producer.EnqueueManyTx(ctx, tx.Querier, []*asynqpg.Task{
				asynqpg.NewTask(typ, []byte("two")), asynqpg.NewTask(typ, []byte("three"), asynqpg.WithIdempotencyToken("k")),
			})
			require.NoError(t, err)
			require.Len(t, ids, 1)
			got, err := b.Client.GetTaskTx(ctx, tx.Querier, ids[0])
			require.NoError(t, err)
			require.Equal(t, []byte("two"), got.Payload)
			require.Zero(t, b.countType(t, typ), "visible before commit")

			if !commit {
				require.NoError(t, tx.Rollback(ctx))
				require.Zero(t, b.countType(t, typ))
				require.Nil(t, b.stored(t, id))
				return
			}
			require.NoError(t, tx.Commit(ctx))
			require.Equal(t, 2, b.countType(t, typ))
			require.Equal(t, []byte("one"), b.stored(t, id).Payload)
			require.Equal(t, []byte("two"), b.stored(t, ids[0]).Payload)
		})
	}
	t.Run("NilTx", func(t *testing.T) {
		t.Parallel()
		_, err := b.Producer.EnqueueTx(ctx, nil, asynqpg.NewTask("tx:nil", []byte{}))
		require.Error(t, err)
		_, err = b.Producer.EnqueueManyTx(ctx, nil, []*asynqpg.Task{asynqpg.NewTask("tx:nil", []byte{})})
		require.Error(t, err)
		require.Zero(t, b.countType(t, "tx:nil"))
	})
}

// testProducerNotify checks that a task ready at once is announced on the
// new-task channel with its type, when (and only if) the insert commits,
// and that a delayed one is not.
func testProducerNotify(t *testing.T, d Driver) {
	t.Parallel()
	b := setupAPI(t, d, producer.Config{})
	ctx := context.Background()
	conn := b.listen(t, engine.ChannelNewTask)

	tx := b.Begin(t)
	_, err := b.Producer.EnqueueTx(ctx, tx.Querier, asynqpg.NewTask("notify:rolled-back", []byte{}))
	require.NoError(t, err)
	require.NoError(t, tx.Rollback(ctx))
	_, err = b.enqueue(t, asynqpg.NewTask("notify:delayed", []byte{}, asynqpg.WithDelay(time.Hour)))
	require.NoError(t, err)
	_, err = b.enqueueMany(t, []*asynqpg.Task{asynqpg.NewTask("notify:delayed", []byte{}, asynqpg.WithDelay(time.Hour))})
	require.NoError(t, err)
	_, err = b.enqueue(t, asynqpg.NewTask("notify:single", []byte{}))
	require.NoError(t, err)
	require.Equal(t, "notify:single", nextNotification(t, conn), "the first notification is the committed ready task")

	_, err = b.enqueueMany(t, []*asynqpg.Task{
		asynqpg.NewTask("notify:batch", []byte{}),
		asynqpg.NewTask("notify:batch", []byte{}),
		asynqpg.NewTask("notify:delayed", []byte{}, asynqpg.WithDelay(time.Hour)),
	})
	require.NoError(t, err)
	require.Equal(t, "notify:batch", nextNotification(t, conn))

	// A batch with idempotency tokens goes through the deduplicating
	// statement: it announces its ready types too.
	_, err = b.enqueueMany(t, []*asynqpg.Task{
		asynqpg.NewTask("notify:tokened", []byte{}, asynqpg.WithIdempotencyToken("t1")),
		asynqpg.NewTask("notify:tokened", []byte{}, asynqpg.WithIdempotencyToken("t2")),
	})
	require.NoError(t, err)
	require.Equal(t, "notify:tokened", nextNotification(t, conn))
}
