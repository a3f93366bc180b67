package harness

import "context"
import "fmt"
import "time"

import "github.com/jackc/pgx/v5"

// StatementTotals are pg_stat_statements' totals over a timed phase for
// the statements run on the case's database: what the server itself
// accounts to them.
type StatementTotals struct {
	// Calls and Rows are the statements run and the rows they returned
	// or changed.
	Calls, Rows int64
	// Time is the time spent planning and executing them
	// (total_plan_time + total_exec_time): CPU time, and time waiting on
	// locks and reads; a commit's WAL flush is not in it.
	Time time.Duration
	// SharedHit and SharedRead are the shared buffers they found in
	// memory and those they read.
	SharedHit, SharedRead int64
}

// statementsLoaded reports whether the server has pg_stat_statements
// loaded (it must be in shared_preload_libraries, which takes a restart
// to change) and its extension can be created.
func statementsLoaded(ctx context.Context, c *pgx.Conn) (bool, error) {
	var ok bool
	err := c.QueryRow(ctx, `SELECT current_setting('shared_preload_libraries') ~ 'pg_stat_statements'
		AND EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_stat_statements')`).Scan(&ok)
	return ok, err
}

// createStatementsExtension creates pg_stat_statements in the database
// when the server has it loaded.
func (d *Database) createStatementsExtension(ctx context.Context) error {
	if !d.server.statements {
		return nil
	}
	return d.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
}

// statementsFilter leaves out the harness's own queries of the view.
const statementsFilter = `dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
	AND query NOT LIKE '%pg_stat_statements%'`

// resetStatements empties pg_stat_statements for the database; it
// reports false when the server does not have it.
func (d *Database) resetStatements(ctx context.Context) bool {
	if !d.server.statements {
		return false
	}
	err := d.Exec(ctx, `SELECT pg_stat_statements_reset(0, oid, 0) FROM pg_database WHERE datname = current_database()`)
	return err == nil
}

// statementTotals reads pg_stat_statements' totals for the database.
func (d *Database) statementTotals(ctx context.Context) (StatementTotals, error) {
	var t StatementTotals
	var ms float64
	err := d.query(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT COALESCE(sum(calls), 0)::bigint, COALESCE(sum(rows), 0)::bigint,
			COALESCE(sum(total_plan_time + total_exec_time), 0)::float8,
			COALESCE(sum(shared_blks_hit), 0)::bigint, COALESCE(sum(shared_blks_read), 0)::bigint
			FROM pg_stat_statements WHERE `+statementsFilter).Scan(&t.Calls, &t.Rows, &ms, &t.SharedHit, &t.SharedRead)
	})
	t.Time = time.Duration(ms * float64(time.Millisecond))
	return t, err
}

// TableStats are the server's cumulative statistics of the queue table
// (pg_stat_user_tables and pg_stat_user_indexes).
type TableStats struct {
	// IndexReads are the index entries its index scans returned, over
	// all its indexes: with SKIP LOCKED, entries of rows other consumers
	// hold, and of dead row versions, are read and passed over.
	IndexReads int64
	// HeapFetches are the live rows index scans fetched.
	HeapFetches int64
	// Updates and HOTUpdates are its row updates, and those that were
	// heap-only (no new index entries).
	Updates, HOTUpdates int64
}

// Sub returns the statistics accumulated since o.
func (s TableStats) Sub(o TableStats) TableStats {
	return TableStats{IndexReads: s.IndexReads - o.IndexReads, HeapFetches: s.HeapFetches - o.HeapFetches,
		Updates: s.Updates - o.Updates, HOTUpdates: s.HOTUpdates - o.HOTUpdates}
}

// TableStats reads the statistics of table. A backend reports its
// statistics when it has been idle for a while or when it ends: read
// them after the connections that did the work have closed (see
// WaitIdle).
func (d *Database) TableStats(ctx context.Context, table string) (TableStats, error) {
	var s TableStats
	err := d.query(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT COALESCE((SELECT sum(idx_tup_read) FROM pg_stat_user_indexes WHERE relname = $1), 0)::bigint,
			COALESCE(idx_tup_fetch, 0), n_tup_upd, n_tup_hot_upd
			FROM pg_stat_user_tables WHERE relname = $1`, table).Scan(&s.IndexReads, &s.HeapFetches, &s.Updates, &s.HOTUpdates)
	})
	return s, err
}

// WaitIdle waits until no other session is connected to the database,
// so that the statistics of those that were are reported.
func (d *Database) WaitIdle(ctx context.Context) error {
	for {
		var n int
		err := d.server.admin(ctx, func(c *pgx.Conn) error {
			return c.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = $1`, d.Name).Scan(&n)
		})
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d sessions still connected to %s: %w", n, d.Name, ctx.Err())
		case <-time.After(pollEvery):
		}
	}
}

// query runs fn on a connection of its own to the database.
func (d *Database) query(ctx context.Context, fn func(*pgx.Conn) error) error {
	conn, err := pgx.Connect(ctx, d.URL)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", d.Name, err)
	}
	defer conn.Close(context.Background())
	return fn(conn)
}

// WALPosition returns the server's current WAL insert position, in bytes
// from the start of the WAL: the difference of two positions is the WAL
// written between them, by every database on the server.
func (d *Database) WALPosition(ctx context.Context) (int64, error) {
	var pos int64
	err := d.query(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint`).Scan(&pos)
	})
	return pos, err
}
