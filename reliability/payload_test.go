package reliability

import "bytes"
import "context"
import "errors"
import "fmt"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
import "github.com/yakser/asynqpg/producer"

// TestPayloadLimit is scenario 11: through every adapter, a payload of
// exactly producer.MaxPayloadSize bytes and one of a byte more.
// Pass: the first is accepted and read back byte for byte; the second
// (alone, in a batch, inside a transaction) is rejected with a typed error
// (producer.InvalidTaskError matching ErrPayloadTooLarge and
// ErrInvalidTask, naming its index in a batch) before any statement runs,
// and nothing is written.
func TestPayloadLimit(t *testing.T) {
	t.Parallel()
	useConnections(t, 4+4*3)
	b := setup(t)
	for _, np := range adapterPools(t, b.url) {
		t.Run(np.name, func(t *testing.T) {
			began := time.Now()
			ctx := context.Background()
			rec := &recorder{}
			prod, err := producer.New(producer.Config{Pool: newRecordPool(t, np.pool, rec)})
			require.NoError(t, err)
			cl, err := client.New(client.Config{Pool: np.pool})
			require.NoError(t, err)
			typ := "payload-" + np.name
			count := func() int64 { return b.scalar(t, `SELECT count(*) FROM asynqpg_tasks WHERE type = $1`, typ) }

			atLimit := bytes.Repeat([]byte{0xA5}, producer.MaxPayloadSize)
			atLimit[0], atLimit[len(atLimit)-1] = 0, 0xFF
			id, err := prod.Enqueue(ctx, asynqpg.NewTask(typ, atLimit))
			require.NoError(t, err, "a payload of exactly MaxPayloadSize bytes")
			rec.take()
			got, err := cl.GetTask(ctx, id)
			require.NoError(t, err)
			require.True(t, bytes.Equal(atLimit, got.Payload), "payload read back differs")

			over := append(atLimit, 0x01)
			requireTooLarge := func(err error, index int) {
				t.Helper()
				require.ErrorIs(t, err, producer.ErrPayloadTooLarge)
				require.ErrorIs(t, err, producer.ErrInvalidTask)
				var invalid *producer.InvalidTaskError
				require.True(t, errors.As(err, &invalid), "%T is no *producer.InvalidTaskError", err)
				require.Equal(t, index, invalid.Index)
				require.Empty(t, rec.take(), "statements ran for a rejected task")
				require.Equal(t, int64(1), count(), "rows written for a rejected task")
			}
			_, err = prod.Enqueue(ctx, asynqpg.NewTask(typ, over))
			requireTooLarge(err, -1)
			_, err = prod.EnqueueMany(ctx, []*asynqpg.Task{asynqpg.NewTask(typ, []byte("small")), asynqpg.NewTask(typ, over)})
			requireTooLarge(err, 1)
			tx, err := b.pool.Begin(ctx)
			require.NoError(t, err)
			_, err = prod.EnqueueTx(ctx, newRecordQuerier(t, pgxv5driver.NewTx(tx), rec), asynqpg.NewTask(typ, over))
			requireTooLarge(err, -1)
			require.NoError(t, tx.Rollback(ctx))
			report(t, result{
				Scenario: 11, Name: "payload size limit via " + np.name, Bound: 0, Elapsed: time.Since(began),
				Counts: counts{Tasks: count()},
				Notes:  fmt.Sprintf("max=%d accepted=true over_by_one_rejected=true statements_for_rejected=0", producer.MaxPayloadSize),
			})
		})
	}
}
