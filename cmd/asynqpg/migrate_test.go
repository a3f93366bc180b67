package main

import "context"
import "database/sql"
import "strings"
import "testing"

import "github.com/jackc/pgx/v5"
import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/internal/embeddedpg"
import "github.com/yakser/asynqpg/internal/testdb"

// emptyDatabase creates a database without any table on the test server
// and returns its URL; it is dropped when the test ends.
func emptyDatabase(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	admin := testdb.Open(t)
	name := "asynqpg_cli_" + randomHex(6)
	_, err := admin.ExecContext(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := admin.ExecContext(context.Background(), "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
		require.NoError(t, err)
	})
	u, err := embeddedpg.DatabaseURL(testdb.URL(t), name)
	require.NoError(t, err)
	return u
}

// tableExists tells whether url's database has the tasks table.
func tableExists(t *testing.T, url string) bool {
	t.Helper()
	db, err := sql.Open("pgx", url)
	require.NoError(t, err)
	defer db.Close()
	var ok bool
	require.NoError(t, db.QueryRowContext(context.Background(),
		`SELECT to_regclass('asynqpg_tasks') IS NOT NULL`).Scan(&ok))
	return ok
}

// TestMigrate: status, up, up again, down on a database that starts empty.
func TestMigrate(t *testing.T) {
	t.Parallel()
	url := emptyDatabase(t)

	status := func(want string) {
		t.Helper()
		r := runCLI(t, url, "migrate", "status")
		requireOK(t, r)
		lines := tableLines(t, r.stdout, "VERSION")
		requireAligned(t, lines)
		require.Greater(t, len(lines), 5, r.stdout)
		for i, l := range lines[1:] {
			f := strings.Fields(l)
			require.Equal(t, want, f[1], "migration %d: %s", i+1, l)
			require.True(t, strings.HasSuffix(l, ".sql"), l)
		}
	}

	status("pending")
	require.False(t, tableExists(t, url))

	r := runCLI(t, url, "migrate", "up")
	requireOK(t, r)
	require.Regexp(t, `^migrated: schema at version [1-9]\d*\n$`, r.stdout)
	require.True(t, tableExists(t, url))
	status("applied")

	again := runCLI(t, url, "migrate", "up")
	requireOK(t, again)
	require.Equal(t, r.stdout, again.stdout, "a second up changes nothing")

	r = runCLI(t, url, "migrate", "down")
	requireOK(t, r)
	require.Equal(t, "rolled back: schema at version 0\n", r.stdout)
	require.False(t, tableExists(t, url))
	status("pending")
}
