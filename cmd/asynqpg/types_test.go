package main

import "context"
import "strings"
import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"

// TestTypes: pause, resume and list task types, as the client sees them.
func TestTypes(t *testing.T) {
	t.Parallel()
	db, url := openDB(t)
	cl, err := client.New(client.Config{Pool: asynqpg.WrapStdDB(db, "pgx")})
	require.NoError(t, err)
	paused := func() []string {
		t.Helper()
		types, err := cl.ListPausedTaskTypes(context.Background())
		require.NoError(t, err)
		return types
	}

	r := runCLI(t, url, "types", "list")
	requireOK(t, r)
	require.Empty(t, r.stdout)

	for _, typ := range []string{"report", "email:send", "report"} {
		r = runCLI(t, url, "types", "pause", typ)
		requireOK(t, r)
		require.Equal(t, "paused "+typ+"\n", r.stdout)
	}
	require.Equal(t, []string{"email:send", "report"}, paused())

	r = runCLI(t, url, "types", "list")
	requireOK(t, r)
	require.Equal(t, "email:send\nreport\n", r.stdout)
	r = runCLI(t, url, "types", "list", "--json")
	requireOK(t, r)
	require.Equal(t, `["email:send","report"]`+"\n", r.stdout)
	r = runCLI(t, url, "stats")
	requireOK(t, r)
	require.Contains(t, r.stdout, "\npaused task types: email:send, report\n")
	// A paused type without tasks has its row, so that it is seen.
	require.Equal(t, []string{"report", "0", "0", "0", "0", "0", "0"}, strings.Fields(tableLines(t, r.stdout, "TYPE")[2]))

	r = runCLI(t, url, "types", "resume", "report")
	requireOK(t, r)
	require.Equal(t, "resumed report\n", r.stdout)
	require.Equal(t, []string{"email:send"}, paused())
	r = runCLI(t, url, "types", "resume", "never-paused")
	requireOK(t, r)
	require.Equal(t, []string{"email:send"}, paused())

	r = runCLI(t, url, "types", "pause", "")
	requireFailure(t, r, exitError, "task type cannot be empty")
	r = runCLI(t, url, "types", "list", "--json")
	requireOK(t, r)
	require.Equal(t, `["email:send"]`+"\n", r.stdout)
}
