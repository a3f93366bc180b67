package conformance

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/client"
	"github.com/yakser/asynqpg/internal/engine"
	"github.com/yakser/asynqpg/producer"
)

// testClientCancelNotifies checks that cancelling a running task notifies
// consumers with its ID when the change commits, never when it rolls back,
// and that cancelling a task that is not running does not.
func testClientCancelNotifies(t *testing.T, d Driver) {
	t.Parallel()
	b := setupAPI(t, d, producer.Config{})
	ctx := context.Background()
	conn := b.listen(t, engine.ChannelCancel)

	rolledBack := b.taskIn(t, "notify", statusRunning)
	notRunning := b.taskIn(t, "notify", statusPending)
	first := b.taskIn(t, "notify", statusRunning)
	second := b.taskIn(t, "notify", statusRunning)

	tx := b.Begin(t)
	_, err := b.Client.CancelTaskTx(ctx, tx.Querier, rolledBack)
	require.NoError(t, err)
	require.NoError(t, tx.Rollback(ctx))
	_, err = b.run(t, "cancel", notRunning)
	require.NoError(t, err)
	_, err = b.run(t, "cancel", first)
	require.NoError(t, err)
	require.Equal(t, strconv.FormatInt(first, 10), nextNotification(t, conn))

	tx = b.Begin(t)
	_, err = b.Client.CancelTaskTx(ctx, tx.Querier, second)
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))
	require.Equal(t, strconv.FormatInt(second, 10), nextNotification(t, conn))
}

// testClientRace runs cancels, retries and deletes of one task at once.
// Each change locks the row, so the calls apply one after the other, and
// every result must be one the tables allow for some order of them.
func testClientRace(t *testing.T, b *apiBundle) {
	t.Parallel()
	for _, from := range []asynqpg.TaskStatus{statusFailed, statusPending, statusCancelled} {
		t.Run(string(from), func(t *testing.T) {
			t.Parallel()
			id := b.taskIn(t, "race", from)
			const perOp = 3
			type result struct {
				op  string
				got *client.TaskInfo
				err error
			}
			var (
				wg      sync.WaitGroup
				mu      sync.Mutex
				results []result
			)
			start := make(chan struct{})
			for name := range clientOps {
				for range perOp {
					wg.Go(func() {
						<-start
						got, err := b.run(t, name, id)
						mu.Lock()
						defer mu.Unlock()
						results = append(results, result{op: name, got: got, err: err})
					})
				}
			}
			close(start)
			wg.Wait()

			var deleted, deleteMissed, cancels, retries int
			for _, r := range results {
				if errors.Is(r.err, client.ErrTaskNotFound) {
					if r.op == "delete" {
						deleteMissed++
					}
					continue
				}
				switch r.op {
				case "cancel":
					// Never running or completed here: a cancel always succeeds.
					require.NoError(t, r.err)
					require.Equal(t, statusCancelled, r.got.Status)
					require.NotNil(t, r.got.FinalizedAt)
					cancels++
				case "retry":
					if r.err != nil {
						require.ErrorIs(t, r.err, client.ErrTaskAlreadyAvailable)
						continue
					}
					require.Equal(t, statusPending, r.got.Status)
					require.Nil(t, r.got.FinalizedAt)
					require.GreaterOrEqual(t, r.got.AttemptsLeft, 1)
					retries++
				case "delete":
					require.NoError(t, r.err)
					require.Contains(t, []asynqpg.TaskStatus{statusPending, statusFailed, statusCancelled}, r.got.Status)
					deleted++
				}
			}
			require.Equal(t, 1, deleted, "exactly one delete wins")
			require.Equal(t, perOp-1, deleteMissed, "the other deletes find nothing")
			initial := 0
			if from != statusPending {
				initial = 1
			}
			require.LessOrEqual(t, retries, initial+cancels, "each retry needs a failed or cancelled task")
			require.Nil(t, b.stored(t, id))
		})
	}
}
