package conformance

import "context"
import "strconv"
import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/internal/engine"
import "github.com/yakser/asynqpg/internal/testfixture"
import "github.com/yakser/asynqpg/producer"

// testClientCancelNotifies checks that cancelling a running task notifies
// consumers with its ID when the change commits, never when it rolls back,
// and that cancelling a task that is not running does not.
func testClientCancelNotifies(t *testing.T, d Driver) {
	t.Parallel()
	b := setupAPI(t, d, producer.Config{})
	ctx := context.Background()
	conn := b.listen(t, engine.ChannelCancel)

	rolledBack := b.taskIn(t, "notify", asynqpg.TaskStatusRunning)
	notRunning := b.taskIn(t, "notify", asynqpg.TaskStatusPending)
	first := b.taskIn(t, "notify", asynqpg.TaskStatusRunning)
	second := b.taskIn(t, "notify", asynqpg.TaskStatusRunning)

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
	for _, from := range []asynqpg.TaskStatus{asynqpg.TaskStatusFailed, asynqpg.TaskStatusPending, asynqpg.TaskStatusCancelled} {
		t.Run(string(from), func(t *testing.T) {
			t.Parallel()
			id := b.taskIn(t, "race", from)
			const perOp = 3
			changes := make(map[string]func() testfixture.ChangeResult, len(clientOps))
			for name := range clientOps {
				changes[name] = func() testfixture.ChangeResult {
					got, err := b.run(t, name, id)
					return changeResult(got, err)
				}
			}
			results := testfixture.RaceChanges(perOp, changes)
			testfixture.CheckChangeRace(t, results, perOp, from != asynqpg.TaskStatusPending, testfixture.ChangeErrors{
				NotFound: client.ErrTaskNotFound, AlreadyAvailable: client.ErrTaskAlreadyAvailable})
			require.Nil(t, b.stored(t, id))
		})
	}
}

// changeResult is what a client change returned, for the race's checks.
func changeResult(got *client.TaskInfo, err error) testfixture.ChangeResult {
	if err != nil {
		return testfixture.ChangeResult{Err: err}
	}
	return testfixture.ChangeResult{Status: got.Status, FinalizedAt: got.FinalizedAt, AttemptsLeft: got.AttemptsLeft}
}
