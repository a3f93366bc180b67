package migrate_test

import "context"
import "database/sql"
import "io/fs"
import "sync"
import "testing"

import _ "github.com/jackc/pgx/v5/stdlib"
import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/internal/testdb"
import "github.com/yakser/asynqpg/migrate"

func TestMain(m *testing.M) { testdb.MainWithURL(m) }

// emptyDB returns a migrated test database rolled back to no schema at all.
func emptyDB(t *testing.T) *sql.DB {
	t.Helper()
	db := testdb.Open(t)
	require.NoError(t, migrate.Down(context.Background(), db))
	return db
}

func tableExists(t *testing.T, db *sql.DB, name string) bool {
	t.Helper()
	var ok bool
	require.NoError(t, db.QueryRow(`SELECT to_regclass($1) IS NOT NULL`, name).Scan(&ok))
	return ok
}

func TestFSHoldsGooseFiles(t *testing.T) {
	t.Parallel()
	files, err := fs.Glob(migrate.FS, "*.sql")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		body, err := fs.ReadFile(migrate.FS, f)
		require.NoError(t, err)
		require.Contains(t, string(body), "-- +goose Up", f)
		require.Contains(t, string(body), "-- +goose Down", f)
	}
}

func TestUpDownStatus(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := emptyDB(t)
	require.False(t, tableExists(t, db, "asynqpg_tasks"))

	require.NoError(t, migrate.Up(ctx, db))
	require.NoError(t, migrate.Up(ctx, db), "Up is idempotent")
	require.True(t, tableExists(t, db, "asynqpg_tasks"))
	require.True(t, tableExists(t, db, "asynqpg_leader"))
	require.True(t, tableExists(t, db, migrate.VersionTable))
	require.False(t, tableExists(t, db, "goose_db_version"), "asynqpg keeps its own version table")

	st, err := migrate.Status(ctx, db)
	require.NoError(t, err)
	require.NotEmpty(t, st)
	for _, s := range st {
		require.Equal(t, "applied", string(s.State), s.Source.Path)
	}
	v, err := migrate.Version(ctx, db)
	require.NoError(t, err)
	require.Equal(t, st[len(st)-1].Source.Version, v)

	require.NoError(t, migrate.Down(ctx, db))
	require.False(t, tableExists(t, db, "asynqpg_tasks"))
	require.False(t, tableExists(t, db, "asynqpg_leader"))
	v, err = migrate.Version(ctx, db)
	require.NoError(t, err)
	require.Zero(t, v)
}

func TestConcurrentUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := emptyDB(t)
	db.SetMaxOpenConns(20)

	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = migrate.Up(ctx, db) })
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "migrator %d", i)
	}
	var applied, distinct int
	require.NoError(t, db.QueryRow(`SELECT count(*), count(DISTINCT version_id) FROM `+migrate.VersionTable+` WHERE version_id > 0 AND is_applied`).Scan(&applied, &distinct))
	require.Equal(t, distinct, applied, "each migration applied once")
}

func TestNilDB(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	require.ErrorIs(t, migrate.Up(ctx, nil), migrate.ErrNilDB)
	require.ErrorIs(t, migrate.Down(ctx, nil), migrate.ErrNilDB)
	_, err := migrate.Status(ctx, nil)
	require.ErrorIs(t, err, migrate.ErrNilDB)
}
