package conformance

import "context"
import "fmt"
import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/engine"
import "github.com/yakser/asynqpg/internal/testfixture"
import "github.com/yakser/asynqpg/producer"

// testProducerBatches proves, with a counting wrapper around the entry's
// Executor, that a batch of engine.MaxBatchTasks is one statement, and
// that a larger one is several in one transaction, all or nothing.
func testProducerBatches(t *testing.T, b *apiBundle) {
	t.Parallel()
	ctx := context.Background()
	txEntry := b.Driver.TxEntry

	// counted returns a Producer whose statements are counted, and the
	// handle to pass to the *Tx methods (nil for the Pool).
	counted := func(t *testing.T) (*producer.Producer, *testfixture.Counts, *Tx) {
		t.Helper()
		cp := &countingPool{Pool: b.Pool, ex: newCountingExecutor(t, b.Pool)}
		p, err := producer.New(producer.Config{Pool: cp})
		require.NoError(t, err)
		if !txEntry {
			return p, cp.ex.Counts, nil
		}
		tx := b.Begin(t)
		ex := newCountingExecutor(t, tx.Querier)
		tx.Querier = &countingQuerier{Querier: tx.Querier, ex: ex}
		return p, ex.Counts, &tx
	}
	enqueueMany := func(t *testing.T, p *producer.Producer, tx *Tx, tasks []*asynqpg.Task) ([]int64, error) {
		t.Helper()
		if tx == nil {
			return p.EnqueueMany(ctx, tasks)
		}
		return p.EnqueueManyTx(ctx, tx.Querier, tasks)
	}
	batch := func(typ string, n int) []*asynqpg.Task {
		tasks := make([]*asynqpg.Task, n)
		for i := range tasks {
			tasks[i] = asynqpg.NewTask(typ, []byte(fmt.Sprint(i)), asynqpg.WithIdempotencyToken(fmt.Sprint(i%(n-1))))
		}
		return tasks
	}

	tests := []struct {
		name           string
		n              int
		wantStatements int64
		wantBegins     int64
	}{
		{name: "one statement", n: engine.MaxBatchTasks, wantStatements: 1},
		{name: "split", n: engine.MaxBatchTasks + 2, wantStatements: 2, wantBegins: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, counts, tx := counted(t)
			typ := "batch:" + tt.name
			// The last task repeats the first one's token: n-1 are new.
			ids, err := enqueueMany(t, p, tx, batch(typ, tt.n))
			require.NoError(t, err)
			require.Len(t, ids, tt.n-1)
			require.Equal(t, tt.wantStatements, counts.Statements.Load(), "statements")
			require.Equal(t, tt.wantBegins, counts.Begins.Load(), "transactions or savepoints begun")
			for i := 1; i < len(ids); i++ {
				require.Greater(t, ids[i], ids[i-1])
			}
			if tx != nil {
				require.Zero(t, b.countType(t, typ), "visible before commit")
				require.NoError(t, tx.Commit(ctx))
			}
			require.Equal(t, tt.n-1, b.countType(t, typ))
			require.Equal(t, []byte("0"), b.stored(t, ids[0]).Payload)
		})
	}

	t.Run("split all or nothing", func(t *testing.T) {
		t.Parallel()
		typ := "batch:aon"
		tasks := make([]*asynqpg.Task, engine.MaxBatchTasks+1)
		for i := range tasks {
			tasks[i] = asynqpg.NewTask(typ, []byte{})
		}
		// The poison constraint rejects the last task: the second
		// statement fails in the database.
		tasks[engine.MaxBatchTasks] = asynqpg.NewTask(typ, []byte{0xde, 0xad})
		var tx *Tx
		if txEntry {
			btx := b.Begin(t)
			tx = &btx
		}
		_, err := enqueueMany(t, b.Producer, tx, tasks)
		require.ErrorContains(t, err, "conformance_poison")
		if tx != nil {
			// The failed batch rolled back to its savepoint: the caller's
			// transaction goes on.
			_, err := b.Producer.EnqueueTx(ctx, tx.Querier, asynqpg.NewTask(typ+":after", []byte{}))
			require.NoError(t, err)
			require.NoError(t, tx.Commit(ctx))
			require.Equal(t, 1, b.countType(t, typ+":after"))
		}
		require.Zero(t, b.countType(t, typ), "a failed batch left rows")
	})
}

// addPoison adds a constraint that rejects tasks of type batch:aon with
// the payload 0xdead, so that a statement fails in the database. It runs
// before any subtest: its lock would queue behind their transactions.
func (b *apiBundle) addPoison(t *testing.T) {
	t.Helper()
	_, err := b.Check.ExecContext(context.Background(), `ALTER TABLE asynqpg_tasks ADD CONSTRAINT conformance_poison
		CHECK (type <> 'batch:aon' OR payload <> '\xdead'::bytea)`)
	require.NoError(t, err)
}
