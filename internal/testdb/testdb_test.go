package testdb

import "context"
import "database/sql"
import "fmt"
import "strings"
import "sync"
import "testing"

import "github.com/stretchr/testify/require"

func TestMain(m *testing.M) { Main(m) }

func currentDatabase(ctx context.Context, t *testing.T, db *sql.DB) string {
	t.Helper()
	var name string
	require.NoError(t, db.QueryRowContext(ctx, "SELECT current_database()").Scan(&name))
	return name
}

func tableExists(ctx context.Context, t *testing.T, db *sql.DB, table string) bool {
	t.Helper()
	var ok bool
	require.NoError(t, db.QueryRowContext(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&ok))
	return ok
}

// requireDropped fails the test when the database name still exists.
func requireDropped(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	admin, _, _, err := setup(ctx)
	require.NoError(t, err)
	exists, err := databaseExists(ctx, admin, name)
	require.NoError(t, err)
	require.False(t, exists, "database %s survived its test", name)
}

func TestDatabasesAreIsolated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	u1, u2 := URL(t), URL(t)
	require.NotEqual(t, u1, u2)

	db1 := OpenURL(t, u1)
	db2 := Open(t)

	name1, name2 := currentDatabase(ctx, t, db1), currentDatabase(ctx, t, db2)
	require.NotEqual(t, name1, name2)
	require.True(t, strings.HasPrefix(name1, testPrefix), name1)
	require.True(t, strings.HasPrefix(name2, testPrefix), name2)

	require.True(t, tableExists(ctx, t, db1, "asynqpg_tasks"), "migrated schema in %s", name1)
	require.True(t, tableExists(ctx, t, db2, "asynqpg_tasks"), "migrated schema in %s", name2)

	_, err := db1.ExecContext(ctx, "CREATE TABLE only_here (id int)")
	require.NoError(t, err)
	require.True(t, tableExists(ctx, t, db1, "only_here"))
	require.False(t, tableExists(ctx, t, db2, "only_here"))

	_, err = db1.ExecContext(ctx, "INSERT INTO asynqpg_tasks (type) VALUES ('x')")
	require.NoError(t, err)
	var n int
	require.NoError(t, db2.QueryRowContext(ctx, "SELECT count(*) FROM asynqpg_tasks").Scan(&n))
	require.Zero(t, n)
}

func TestCleanupDropsDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	var name string
	t.Run("inner", func(t *testing.T) {
		db := Open(t)
		name = currentDatabase(ctx, t, db)
		// A connection still open at cleanup must not stop the drop.
		conn, err := db.Conn(ctx)
		require.NoError(t, err)
		t.Cleanup(func() { _ = conn.Close() })
	})
	require.NotEmpty(t, name)
	requireDropped(ctx, t, name)
}

func TestTemplateIsMarkedAndClosed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_ = URL(t)

	admin, _, tmpl, err := setup(ctx)
	require.NoError(t, err)
	want, err := templateName()
	require.NoError(t, err)
	require.Equal(t, want, tmpl)
	require.Len(t, tmpl, len(templatePrefix)+12)

	var isTemplate bool
	require.NoError(t, admin.QueryRowContext(ctx,
		"SELECT datistemplate FROM pg_database WHERE datname = $1", tmpl).Scan(&isTemplate))
	require.True(t, isTemplate)
	var sessions int
	require.NoError(t, admin.QueryRowContext(ctx,
		"SELECT count(*) FROM pg_stat_activity WHERE datname = $1", tmpl).Scan(&sessions))
	require.Zero(t, sessions, "nobody may stay connected to the template")
}

// TestManyConcurrentClones clones the template from many tests at once.
func TestManyConcurrentClones(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var (
		mu    sync.Mutex
		names = map[string]bool{}
	)
	t.Run("group", func(t *testing.T) {
		for i := range 12 {
			t.Run(fmt.Sprint("clone", i), func(t *testing.T) {
				t.Parallel()
				db := Open(t)
				require.True(t, tableExists(ctx, t, db, "asynqpg_tasks"))
				name := currentDatabase(ctx, t, db)
				mu.Lock()
				defer mu.Unlock()
				require.False(t, names[name], "duplicate database %s", name)
				names[name] = true
			})
		}
	})
	require.Len(t, names, 12)
}
