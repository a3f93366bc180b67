package reliability

import "context"
import "crypto/sha256"
import "database/sql"
import "encoding/hex"
import "encoding/json"
import "fmt"
import "io/fs"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/internal/embeddedpg"
import "github.com/yakser/asynqpg/internal/testdb"
import "github.com/yakser/asynqpg/internal/testfixture"
import "github.com/yakser/asynqpg/migrate"

// migratorSpec configures a migrator child process.
type migratorSpec struct {
	URL string
	// App is the process's application_name.
	App string
	// StartAt is when (Unix nanoseconds) every migrator calls migrate.Up,
	// so that they all start at once.
	StartAt int64
}

// migratorResult is what a migrator child reports.
type migratorResult struct {
	App     string
	Version int64
	// Schema is the hash of the schema it saw once Up returned.
	Schema string
	// Began and Ended are the database's clock before and after Up.
	Began, Ended time.Time
	Error        string
}

// ddlAudit records every DDL command with the application_name that ran
// it (an event trigger).
const ddlAudit = `
CREATE TABLE reliability_ddl (
	seq bigserial PRIMARY KEY,
	app text NOT NULL,
	command text NOT NULL,
	object text,
	at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE FUNCTION reliability_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
	FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
		INSERT INTO reliability_ddl (app, command, object)
		VALUES (current_setting('application_name'), r.command_tag, r.object_identity);
	END LOOP;
END $$;
CREATE EVENT TRIGGER reliability_ddl ON ddl_command_end EXECUTE FUNCTION reliability_ddl();`

// sqlSchemaDump lists asynqpg's tables, columns, indexes and constraints,
// one line each, in a fixed order.
const sqlSchemaDump = `
SELECT coalesce(string_agg(line, E'\n' ORDER BY line), '') FROM (
	SELECT format('column %s.%s %s nullable=%s default=%s', table_name, column_name, data_type, is_nullable,
		coalesce(column_default, '')) AS line
	FROM information_schema.columns WHERE table_schema = 'public' AND table_name LIKE 'asynqpg%'
	UNION ALL
	SELECT format('index %s', indexdef) FROM pg_indexes WHERE schemaname = 'public' AND tablename LIKE 'asynqpg%'
	UNION ALL
	SELECT format('constraint %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
	FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text LIKE 'asynqpg%'
	UNION ALL
	SELECT format('relation %s kind=%s persistence=%s', relname, relkind, relpersistence)
	FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relname LIKE 'asynqpg%'
) s`

// schemaDump returns the schema of asynqpg in db and its hash.
func schemaDump(ctx context.Context, db *sql.DB) (dump, hash string, err error) {
	if err := db.QueryRowContext(ctx, sqlSchemaDump).Scan(&dump); err != nil {
		return "", "", fmt.Errorf("dump schema: %w", err)
	}
	sum := sha256.Sum256([]byte(dump))
	return dump, hex.EncodeToString(sum[:]), nil
}

// runMigratorChild runs migrate.Up at the agreed instant and reports.
func runMigratorChild() error {
	var spec migratorSpec
	if err := readSpec(&spec); err != nil {
		return err
	}
	ctx, cancel := childContext()
	defer cancel()
	u, err := setParams(spec.URL, "application_name", spec.App)
	if err != nil {
		return err
	}
	db, err := sql.Open("pgx", u)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(2)
	if err := db.PingContext(ctx); err != nil {
		return err
	}
	res := migratorResult{App: spec.App}
	time.Sleep(time.Until(time.Unix(0, spec.StartAt)))
	if err := db.QueryRowContext(ctx, `SELECT clock_timestamp()`).Scan(&res.Began); err != nil {
		return err
	}
	if err := migrate.Up(ctx, db); err != nil {
		res.Error = err.Error()
		return printResult(res)
	}
	if err := db.QueryRowContext(ctx, `SELECT clock_timestamp()`).Scan(&res.Ended); err != nil {
		return err
	}
	if res.Version, err = migrate.Version(ctx, db); err != nil {
		return err
	}
	if _, res.Schema, err = schemaDump(ctx, db); err != nil {
		return err
	}
	return printResult(res)
}

// TestConcurrentMigrations is scenario 13: ten processes run
// migrate.Up on the same empty database at the same instant.
// Pass: every process succeeds and reports the latest version; one
// process ran every DDL statement (an event trigger records who ran
// each); none returned before the schema was complete (each returned after
// the last DDL statement, and saw the whole schema); the version table
// holds each version once; the schema equals the one of a database
// migrated by a single process.
func TestConcurrentMigrations(t *testing.T) {
	t.Parallel()
	const processes = 10
	useConnections(t, processes*2+4)
	began := time.Now()
	ctx := context.Background()
	refURL := testdb.URL(t)
	ref := testdb.OpenURL(t, refURL)
	refDump, refHash, err := schemaDump(ctx, ref)
	require.NoError(t, err)
	require.NotEmpty(t, refDump)

	name := "asynqpg_test_migrate_" + newExecID()[:8]
	_, err = ref.ExecContext(ctx, `CREATE DATABASE `+name)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = ref.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`) })
	u, err := embeddedpg.DatabaseURL(refURL, name)
	require.NoError(t, err)
	fresh := testdb.OpenURL(t, withParams(t, u, "application_name", "reliability-check"))
	_, err = fresh.ExecContext(ctx, ddlAudit)
	require.NoError(t, err)

	startAt := time.Now().Add(5 * time.Second).UnixNano()
	procs := make([]*proc, processes)
	for i := range procs {
		app := fmt.Sprintf("migrator-%d", i)
		procs[i] = startChild(t, app, roleMigrator, migratorSpec{URL: u, App: app, StartAt: startAt}, false)
	}
	var results []migratorResult
	for _, p := range procs {
		p.wait(t, 3*time.Minute)
		lines := p.resultsOf()
		require.Len(t, lines, 1, "result of %s", p.name)
		var r migratorResult
		require.NoError(t, json.Unmarshal([]byte(lines[0]), &r))
		require.Empty(t, r.Error, "%s: migrate.Up", r.App)
		results = append(results, r)
	}

	latest := latestMigration(t)
	rows, err := fresh.QueryContext(ctx, `SELECT DISTINCT app FROM reliability_ddl WHERE app LIKE 'migrator-%' ORDER BY app`)
	require.NoError(t, err)
	appliers := testfixture.Column[string](t, rows)
	var lastDDL time.Time
	require.NoError(t, fresh.QueryRowContext(ctx, `SELECT max(at) FROM reliability_ddl WHERE app LIKE 'migrator-%'`).Scan(&lastDDL))
	var dupVersions, versions int64
	require.NoError(t, fresh.QueryRowContext(ctx, `
SELECT (SELECT count(*) FROM (SELECT version_id FROM `+migrate.VersionTable+` GROUP BY version_id HAVING count(*) > 1) d),
	(SELECT count(DISTINCT version_id) FROM `+migrate.VersionTable+` WHERE version_id > 0)`).Scan(&dupVersions, &versions))
	freshDump, freshHash, err := schemaDump(ctx, fresh)
	require.NoError(t, err)

	earlyReturns, spread := 0, time.Duration(0)
	first, last := results[0].Began, results[0].Began
	for _, r := range results {
		if r.Ended.Before(lastDDL) {
			earlyReturns++
		}
		first, last = minTime(first, r.Began), maxTime(last, r.Began)
	}
	spread = last.Sub(first)
	report(t, result{
		Scenario: 13, Name: "ten processes migrate at once", Bound: -1, Elapsed: time.Since(began),
		Notes: fmt.Sprintf("processes=%d appliers=%v start_spread=%v early_returns=%d duplicate_versions=%d versions=%d/%d same_schema=%v",
			processes, appliers, spread.Round(time.Millisecond), earlyReturns, dupVersions, versions, latest, freshHash == refHash),
	})
	require.Len(t, appliers, 1, "processes that ran DDL")
	require.Zero(t, earlyReturns, "processes whose Up returned before the last DDL statement")
	require.Zero(t, dupVersions, "versions recorded more than once")
	require.Equal(t, latest, versions, "versions recorded")
	require.Equal(t, refDump, freshDump, "schema against a database migrated by one process")
	for _, r := range results {
		require.Equal(t, refHash, r.Schema, "schema seen by %s when Up returned", r.App)
		require.Equal(t, latest, r.Version, "version seen by %s", r.App)
	}
}

// latestMigration returns the number of embedded migrations, which is
// also the latest version (they are numbered from 1).
func latestMigration(t *testing.T) int64 {
	t.Helper()
	files, err := fs.Glob(migrate.FS, "*.sql")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return int64(len(files))
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
