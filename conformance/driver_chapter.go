package conformance

import "context"
import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/driver"

// The driver chapter proves that the entry's Executor moves every value the
// engine uses in and out the same way as every other adapter's, reports
// errors the same way, keeps transactions and savepoints, can be
// cancelled, listens where it says it can, and that the adapter's values
// serve the application's own queries.

// RunDriverChapter runs only the driver chapter against d: for an entry
// that differs from a fully tested one only in the library underneath (bun
// on lib/pq rather than on pgx's stdlib, say), where only value encoding,
// errors, transactions and listening can differ.
func RunDriverChapter(t *testing.T, d Driver) {
	t.Helper()
	requireDriver(t, d)
	t.Run("driver", func(t *testing.T) { runDriverChapter(t, d) })
}

// runDriverChapter is the driver chapter.
func runDriverChapter(t *testing.T, d Driver) {
	runEach(t, d, []section{
		{"Values", testDriverValues},
		{"Times", testDriverTimes},
		{"Rows", testDriverRows},
		{"Errors", testDriverErrors},
		{"Transactions", testDriverTransactions},
		{"Savepoints", testDriverSavepoints},
		{"Cancel", testDriverCancel},
		{"Querier", testDriverQuerier},
		{"Listen", testDriverListen},
	})
}

// driverTable is the table the driver chapter's tests write to.
const driverTable = `CREATE TABLE driver_items (
	id   bigint PRIMARY KEY,
	name text NOT NULL DEFAULT '',
	note text,
	data bytea NOT NULL DEFAULT '\x',
	at   timestamptz,
	tags text[] NOT NULL DEFAULT '{}'
)`

// driverBundle is what a driver-chapter test works with.
type driverBundle struct {
	*Bundle
	// Ex is the Executor under test: the Pool's, or, for a TxEntry, that of
	// a transaction begun through the adapter (rolled back at the end).
	Ex driver.Executor
	// PoolEx is the Pool's Executor, for every entry.
	PoolEx driver.Executor
}

// setupDriver gives a driver-chapter test its own database with the
// driver_items table.
func setupDriver(t *testing.T, d Driver) *driverBundle {
	t.Helper()
	b := Setup(t, d)
	_, err := b.Check.ExecContext(context.Background(), driverTable)
	require.NoError(t, err)
	db := &driverBundle{Bundle: b, PoolEx: b.Executor(t)}
	db.Ex = db.PoolEx
	if d.TxEntry {
		db.Ex = b.txExecutor(t, b.Begin(t))
	}
	return db
}

// parallel marks a subtest that uses Ex as parallel, unless Ex is a
// transaction, which runs one statement at a time.
func (b *driverBundle) parallel(t *testing.T) {
	t.Helper()
	if !b.Driver.TxEntry {
		t.Parallel()
	}
}

// txExecutor resolves a transaction's Querier to its Executor.
func (b *Bundle) txExecutor(t testing.TB, tx Tx) driver.Executor {
	t.Helper()
	require.NotNil(t, tx.Querier, "conformance: Begin returned a Tx without a Querier")
	ex, err := driver.Resolve(tx.Querier)
	require.NoError(t, err)
	return ex
}

// countItems counts the committed rows of driver_items with the given ids,
// through the independent Check pool.
func (b *Bundle) countItems(t testing.TB, ids ...int64) int {
	t.Helper()
	var n int
	err := b.Check.QueryRowContext(context.Background(),
		`SELECT count(*) FROM driver_items WHERE id = ANY($1::bigint[])`, ids).Scan(&n)
	require.NoError(t, err)
	return n
}

// countItemsIn counts the rows of driver_items with the given ids as ex
// sees them.
func countItemsIn(t testing.TB, ex driver.Executor, ids ...int64) int {
	t.Helper()
	var n int
	err := ex.QueryRow(context.Background(),
		`SELECT count(*) FROM driver_items WHERE id = ANY($1::bigint[])`, ids).Scan(&n)
	require.NoError(t, err)
	return n
}

// insertItem inserts a row into driver_items through ex.
func insertItem(t testing.TB, ex driver.Executor, id int64) {
	t.Helper()
	n, err := ex.Exec(context.Background(), `INSERT INTO driver_items (id) VALUES ($1)`, id)
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
}
