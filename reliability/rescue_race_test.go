package reliability

import "context"
import "fmt"
import "sync"
import "testing"
import "time"

import "github.com/jackc/pgx/v5"
import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
import "github.com/yakser/asynqpg/internal/engine"

// TestCompletionRacesRescuer is scenario 4: a task whose lease has passed
// completes while the rescuer runs, over and over: in a free race, with
// the completion's write uncommitted while the rescuer reads and writes,
// and with the rescuer's write uncommitted while the completion runs.
// Pass: exactly one of the two takes effect every time, and a task whose
// completion took effect stays completed (0 completions overwritten,
// 0 rounds where both took effect).
func TestCompletionRacesRescuer(t *testing.T) {
	t.Parallel()
	const taskType = "rescue-race"
	rounds := size().RescueRaceRounds
	began := time.Now()
	useConnections(t, 4)
	b := setup(t)
	ctx := context.Background()
	ex, err := driver.Resolve(pgxv5driver.New(b.pool))
	require.NoError(t, err)
	newRescuer := func(ex driver.Executor) *engine.Maintainer {
		m, err := engine.NewMaintainer(engine.MaintainerConfig{
			Executor: ex, ClientID: "rescuer", StuckThreshold: time.Microsecond,
		})
		require.NoError(t, err)
		return m
	}
	rescuer := newRescuer(ex)
	complete := func(ex driver.Executor, key engine.AttemptKey) bool {
		written, err := engine.RecordOutcomes(ctx, ex, []engine.OutcomeRecord{{
			Attempt:  key,
			Decision: engine.Decision{Status: string(asynqpg.TaskStatusCompleted), Kind: asynqpg.StatusCompleted},
		}})
		require.NoError(t, err)
		return written[key]
	}

	var completeWon, rescueWon, overwritten, both int
	modes := []string{"free race", "completion uncommitted during rescue", "rescue uncommitted during completion"}
	for round := range rounds {
		b.enqueue(t, taskType, 1, 5)
		claimed, err := engine.ClaimTasks(ctx, ex, taskType, 1, time.Microsecond)
		require.NoError(t, err)
		require.Len(t, claimed, 1)
		key := claimed[0].Attempt
		// The lease (1µs) and the stuck threshold (1µs) pass at once.
		time.Sleep(time.Millisecond)

		var applied bool
		var rescued int
		switch mode := round % len(modes); mode {
		case 0:
			var wg sync.WaitGroup
			start := make(chan struct{})
			wg.Add(2)
			go func() {
				defer wg.Done()
				<-start
				applied = complete(ex, key)
			}()
			go func() {
				defer wg.Done()
				<-start
				res, err := rescuer.RunOnce(ctx)
				require.NoError(t, err)
				rescued = res.Requeued + res.Failed
			}()
			close(start)
			wg.Wait()
		case 1:
			tx, err := b.pool.Begin(ctx)
			require.NoError(t, err)
			txEx, err := driver.Resolve(pgxv5driver.NewTx(tx))
			require.NoError(t, err)
			applied = complete(txEx, key)
			res, err := rescuer.RunOnce(ctx)
			require.NoError(t, err)
			rescued = res.Requeued + res.Failed
			require.NoError(t, tx.Commit(ctx))
		case 2:
			tx, err := b.pool.BeginTx(ctx, pgx.TxOptions{})
			require.NoError(t, err)
			txEx, err := driver.Resolve(pgxv5driver.NewTx(tx))
			require.NoError(t, err)
			res, err := newRescuer(txEx).RunOnce(ctx)
			require.NoError(t, err)
			rescued = res.Requeued + res.Failed
			done := make(chan bool)
			go func() { done <- complete(ex, key) }()
			// The completion waits for the rescuer's row lock.
			time.Sleep(time.Millisecond)
			require.NoError(t, tx.Commit(ctx))
			applied = <-done
		}

		// Whatever runs next, a completed task stays completed.
		_, err = rescuer.RunOnce(ctx)
		require.NoError(t, err)
		st := b.status(t, key.ID)
		switch {
		case applied && rescued > 0:
			both++
		case applied:
			completeWon++
			if st != asynqpg.TaskStatusCompleted {
				overwritten++
			}
		case rescued > 0:
			rescueWon++
			require.Equal(t, asynqpg.TaskStatusPending, st, "round %d (%s): rescued task", round, modes[round%len(modes)])
		default:
			t.Fatalf("round %d (%s): neither the completion nor the rescue took effect (status %s)", round, modes[round%len(modes)], st)
		}
		// Leave no stuck task for the next round's rescuer.
		b.exec(t, `DELETE FROM asynqpg_tasks WHERE id = $1 AND status <> 'completed'`, key.ID)
	}
	report(t, result{
		Scenario: 4, Name: "completion races the rescuer", Elapsed: time.Since(began),
		Counts: counts{Tasks: int64(rounds), Completed: int64(completeWon), Lost: int64(overwritten), Duplicates: int64(both)},
		Notes:  fmt.Sprintf("rounds=%d completion_won=%d rescue_won=%d", rounds, completeWon, rescueWon),
	})
	require.Zero(t, overwritten, "completed tasks changed afterwards")
	require.Zero(t, both, "rounds where the completion and the rescue both took effect")
	require.Positive(t, completeWon, "the completion never won: the race was not exercised")
}
