// Package conformance is the test suite every asynqpg driver adapter must
// pass. A driver's own test calls [Run] with a [Driver] that says how to
// open the adapter's Pool and begin a transaction through it; Run then
// exercises every chapter (driver-level values and errors, producer,
// client, consumer) against a real PostgreSQL, each test on its own
// freshly migrated database.
package conformance

import "context"
import "database/sql"
import "slices"
import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/testdb"

// Tx is a transaction begun through an adapter.
type Tx struct {
	// Querier runs statements inside the transaction; pass it to the
	// *Tx methods of producer and client.
	Querier asynqpg.Querier
	// Commit commits the transaction.
	Commit func(ctx context.Context) error
	// Rollback rolls it back; after Commit it is a no-op.
	Rollback func(ctx context.Context) error
}

// Driver describes one adapter entry under test.
type Driver struct {
	// Name names the entry in test output, e.g. "sqlx/lib/pq".
	Name string
	// Open returns the adapter's Pool on the database at url. It closes
	// what it opened with t.Cleanup.
	Open func(t testing.TB, url string) asynqpg.Pool
	// Begin begins a transaction through the adapter on pool.
	Begin func(t testing.TB, pool asynqpg.Pool) Tx
	// TxEntry marks an entry whose subject is the transaction adapter
	// (pgx tx, bun tx, sqlx tx): chapters that take a Querier run their
	// statements through a transaction begun with Begin.
	TxEntry bool
	// CanListen says whether the adapter's Pool gives the engine a LISTEN
	// connection; the consumer chapter then expects immediate wake-ups.
	CanListen bool
	// SkipConsumer leaves the consumer chapter out (transaction entries:
	// a consumer needs a Pool).
	SkipConsumer bool
}

// Bundle is what a conformance test works with.
type Bundle struct {
	// Driver is the entry under test.
	Driver Driver
	// URL is the test's own database.
	URL string
	// Pool is the adapter's Pool on URL.
	Pool asynqpg.Pool
	// Check is an independent connection pool (pgx stdlib) on URL for
	// assertions that must not go through the adapter under test.
	Check *sql.DB
}

// Setup gives a test its own migrated database, the adapter's Pool on it
// and an independent connection for checks.
func Setup(t *testing.T, d Driver) *Bundle {
	t.Helper()
	url := testdb.URL(t)
	pool := d.Open(t, url)
	return &Bundle{Driver: d, URL: url, Pool: pool, Check: testdb.OpenURL(t, url)}
}

// Executor resolves the adapter's Pool to the engine's Executor.
func (b *Bundle) Executor(t testing.TB) driver.Executor {
	t.Helper()
	ex, err := driver.Resolve(b.Pool)
	require.NoError(t, err)
	return ex
}

// Begin begins a transaction through the adapter; it is rolled back at the
// end of the test unless committed.
func (b *Bundle) Begin(t testing.TB) Tx {
	t.Helper()
	tx := b.Driver.Begin(t, b.Pool)
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	return tx
}

// section is a named part of the suite run against an entry: a chapter,
// or one test of a chapter.
type section struct {
	name string
	run  func(t *testing.T, d Driver)
}

// chapters is the suite, in the order it runs: every chapter a driver
// entry must pass.
var chapters = []section{
	{name: "client", run: runClientChapter},
	{name: "compat", run: runCompatChapter},
	{name: "consumer", run: runConsumerChapter},
	{name: "consumers", run: runConsumersChapter},
	{name: "dashboard", run: runDashboardChapter},
	{name: "driver", run: runDriverChapter},
	{name: "hostile", run: runHostileChapter},
	{name: "maintenance", run: runMaintenanceChapter},
	{name: "producer", run: runProducerChapter},
	{name: "schedule", run: runScheduleChapter},
	{name: "schedule_concurrency", run: runConcurrencyChapter},
	{name: "schedule_pause", run: runPauseChapter},
}

// runSections runs a chapter's sections against d, in order: first
// those of every entry, then those that run consumers or maintenance,
// which need a Pool and which transaction entries (SkipConsumer) leave
// to their pool-based sibling.
func runSections(t *testing.T, d Driver, every, withConsumer []section) {
	sections := every
	if !d.SkipConsumer {
		sections = append(slices.Clip(every), withConsumer...)
	}
	runEach(t, d, sections)
}

// runEach runs each section against d as a subtest of its name, in order.
func runEach(t *testing.T, d Driver, sections []section) {
	for _, s := range sections {
		t.Run(s.name, func(t *testing.T) { s.run(t, d) })
	}
}

// requireDriver fails the test when d lacks what every entry must give.
func requireDriver(t *testing.T, d Driver) {
	t.Helper()
	require.NotEmpty(t, d.Name, "conformance: Driver.Name is required")
	require.NotNil(t, d.Open, "conformance: Driver.Open is required")
	require.NotNil(t, d.Begin, "conformance: Driver.Begin is required")
}

// Run runs every chapter of the suite against d.
func Run(t *testing.T, d Driver) {
	t.Helper()
	requireDriver(t, d)
	runEach(t, d, chapters)
}
