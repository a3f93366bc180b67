package conformance

import "context"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/driver"

// txUnderTest is a transaction and the Executor inside it. Its Querier is
// set only for the adapter's own transaction.
type txUnderTest struct {
	Tx
	ex driver.Executor
}

// txBeginner is one way of beginning a transaction.
type txBeginner struct {
	name  string
	begin func(t *testing.T, b *driverBundle) txUnderTest
}

// eachBeginner runs test for every one of the txBeginners, each in its own
// parallel subtest on the one driver bundle of the test; base is the first
// of the thousand item IDs the subtest owns.
func eachBeginner(t *testing.T, d Driver, test func(t *testing.T, b *driverBundle, beginner txBeginner, base int64)) {
	t.Helper()
	b := setupDriver(t, d)
	for bi, beginner := range txBeginners(d) {
		t.Run(beginner.name, func(t *testing.T) {
			t.Parallel()
			test(t, b, beginner, int64(1000*(bi+1)))
		})
	}
}

// txBeginners are the ways a test gets a transaction: the Pool's
// Executor's Begin (the engine's way), and the adapter's own transaction,
// resolved through its Querier (the application's way, for EnqueueTx).
func txBeginners(d Driver) []txBeginner {
	list := []txBeginner{{
		name: "AdapterTx",
		begin: func(t *testing.T, b *driverBundle) txUnderTest {
			tx := b.Begin(t)
			return txUnderTest{Tx: tx, ex: b.txExecutor(t, tx)}
		},
	}}
	list = append(list, txBeginner{
		name: "ExecutorBegin",
		begin: func(t *testing.T, b *driverBundle) txUnderTest {
			tx, err := b.PoolEx.Begin(context.Background())
			require.NoError(t, err)
			t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
			return txUnderTest{Tx: Tx{Commit: tx.Commit, Rollback: tx.Rollback}, ex: tx}
		},
	})
	return list
}

func testDriverTransactions(t *testing.T, d Driver) {
	t.Parallel()
	ctx := context.Background()
	eachBeginner(t, d, func(t *testing.T, b *driverBundle, beginner txBeginner, base int64) {

		t.Run("CommitMakesVisible", func(t *testing.T) {
			t.Parallel()
			tx := beginner.begin(t, b)
			insertItem(t, tx.ex, base+1)
			require.Equal(t, 1, countItemsIn(t, tx.ex, base+1), "own write visible inside")
			require.Equal(t, 0, b.countItems(t, base+1), "visible before commit")
			require.NoError(t, tx.Commit(ctx))
			require.Equal(t, 1, b.countItems(t, base+1), "not visible after commit")
			require.NoError(t, tx.Rollback(ctx), "rollback after commit")
		})

		t.Run("RollbackDiscards", func(t *testing.T) {
			t.Parallel()
			tx := beginner.begin(t, b)
			insertItem(t, tx.ex, base+2)
			require.Equal(t, 0, b.countItems(t, base+2))
			require.NoError(t, tx.Rollback(ctx))
			require.Equal(t, 0, b.countItems(t, base+2), "visible after rollback")
		})

		t.Run("LocksUntilCommit", func(t *testing.T) {
			t.Parallel()
			// A row the transaction inserted and updated holds its
			// lock: another session's FOR UPDATE NOWAIT fails until
			// commit.
			tx := beginner.begin(t, b)
			_, err := b.Check.ExecContext(ctx, `INSERT INTO driver_items (id) VALUES ($1)`, base+3)
			require.NoError(t, err)
			n, err := tx.ex.Exec(ctx, `UPDATE driver_items SET name = 'locked' WHERE id = $1`, base+3)
			require.NoError(t, err)
			require.Equal(t, int64(1), n)
			_, err = b.Check.ExecContext(ctx, `SELECT id FROM driver_items WHERE id = $1 FOR UPDATE NOWAIT`, base+3)
			require.Error(t, err)
			require.Equal(t, "55P03", driver.SQLState(err))
			require.NoError(t, tx.Commit(ctx))
			var name string
			require.NoError(t, b.Check.QueryRowContext(ctx, `SELECT name FROM driver_items WHERE id = $1 FOR UPDATE NOWAIT`, base+3).Scan(&name))
			require.Equal(t, "locked", name)
		})
	})
}

func testDriverSavepoints(t *testing.T, d Driver) {
	t.Parallel()
	ctx := context.Background()
	eachBeginner(t, d, func(t *testing.T, b *driverBundle, beginner txBeginner, base int64) {
		tx := beginner.begin(t, b)

		// Rolled-back savepoint: its work goes, the outer work stays.
		insertItem(t, tx.ex, base+1)
		sp, err := tx.ex.Begin(ctx)
		require.NoError(t, err)
		insertItem(t, sp, base+2)
		require.Equal(t, 2, countItemsIn(t, tx.ex, base+1, base+2))
		require.NoError(t, sp.Rollback(ctx))
		require.NoError(t, sp.Rollback(ctx), "second rollback")
		require.Equal(t, 1, countItemsIn(t, tx.ex, base+1, base+2))

		// A failed statement inside a savepoint, rolled back, leaves
		// the transaction usable.
		sp, err = tx.ex.Begin(ctx)
		require.NoError(t, err)
		_, err = sp.Exec(ctx, `INSERT INTO driver_items (id) VALUES ($1)`, base+1)
		require.True(t, driver.IsUniqueViolation(err), "want a unique violation, got %v", err)
		require.NoError(t, sp.Rollback(ctx))

		// Released savepoints keep their work; nested ones roll back
		// on their own.
		sp, err = tx.ex.Begin(ctx)
		require.NoError(t, err)
		insertItem(t, sp, base+3)
		inner, err := sp.Begin(ctx)
		require.NoError(t, err)
		insertItem(t, inner, base+4)
		require.NoError(t, inner.Rollback(ctx))
		inner, err = sp.Begin(ctx)
		require.NoError(t, err)
		insertItem(t, inner, base+5)
		require.NoError(t, inner.Commit(ctx))
		require.NoError(t, sp.Commit(ctx))
		require.NoError(t, sp.Rollback(ctx), "rollback after commit")

		require.Equal(t, 0, b.countItems(t, base+1, base+2, base+3, base+4, base+5), "visible before commit")
		require.NoError(t, tx.Commit(ctx))

		var ids []int64
		rows, err := b.Check.QueryContext(ctx, `SELECT id FROM driver_items WHERE id BETWEEN $1 AND $2 ORDER BY id`, base, base+999)
		require.NoError(t, err)
		defer func() { _ = rows.Close() }()
		for rows.Next() {
			var id int64
			require.NoError(t, rows.Scan(&id))
			ids = append(ids, id)
		}
		require.NoError(t, rows.Err())
		require.Equal(t, []int64{base + 1, base + 3, base + 5}, ids)
	})
}

func testDriverCancel(t *testing.T, d Driver) {
	t.Parallel()
	b := setupDriver(t, d)

	cases := []struct {
		name string
		run  func(ctx context.Context, ex driver.Executor) error
	}{
		{"Exec", func(ctx context.Context, ex driver.Executor) error {
			_, err := ex.Exec(ctx, `SELECT pg_sleep(10)`)
			return err
		}},
		{"Query", func(ctx context.Context, ex driver.Executor) error {
			rows, err := ex.Query(ctx, `SELECT pg_sleep(10)`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
			}
			return rows.Err()
		}},
		{"QueryRow", func(ctx context.Context, ex driver.Executor) error {
			var s string
			return ex.QueryRow(ctx, `SELECT pg_sleep(10)::text`).Scan(&s)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ex := b.PoolEx
			if d.TxEntry {
				// A cancelled statement ends its transaction: each case
				// gets its own.
				ex = b.txExecutor(t, b.Begin(t))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := tc.run(ctx, ex)
			elapsed := time.Since(start)
			require.Error(t, err)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.Less(t, elapsed, 5*time.Second, "cancellation took %s", elapsed)

			// The pool is still usable: every connection it hands out works.
			for range 5 {
				qctx, qcancel := context.WithTimeout(context.Background(), 30*time.Second)
				var one int
				err := b.PoolEx.QueryRow(qctx, `SELECT 1`).Scan(&one)
				qcancel()
				require.NoError(t, err)
				require.Equal(t, 1, one)
			}
		})
	}
}
