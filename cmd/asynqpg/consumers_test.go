package main

import "context"
import "database/sql"
import "os"
import "strconv"
import "strings"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/internal/testfixture/testconsumer"

// startConsumer starts a consumer on db serving the types of workers; it
// is stopped at the end of the test. Its heartbeat is slow, so that the
// entry does not change while a test compares two readings of it.
func startConsumer(t *testing.T, db *sql.DB, id string, workers map[string]int) *consumer.Consumer {
	t.Helper()
	return testconsumer.Start(t, asynqpg.WrapStdDB(db, "pgx"), id, time.Minute, workers)
}

// TestConsumers: the live consumers as a table and as the API's JSON,
// and the line of unserved types.
func TestConsumers(t *testing.T) {
	t.Parallel()
	db, url := openDB(t)

	r := runCLI(t, url, "consumers")
	requireOK(t, r)
	require.Equal(t, "no live consumer\n\ntask types with ready tasks and no live consumer: (none)\n", r.stdout)
	r = runCLI(t, url, "consumers", "--json")
	requireOK(t, r)
	require.Equal(t, "[]\n", r.stdout)

	insertTask(t, db, "emial:send", asynqpg.TaskStatusPending) // mistyped: nobody serves it
	insertTask(t, db, "report", asynqpg.TaskStatusPending)
	insertTask(t, db, "archive", asynqpg.TaskStatusCompleted)
	startConsumer(t, db, "worker-1", map[string]int{"email:send": 3, "sms": 1})
	startConsumer(t, db, "worker-2", map[string]int{"sms": 2})

	r = runCLI(t, url, "consumers")
	requireOK(t, r)
	lines := tableLines(t, r.stdout, "ID")
	requireAligned(t, lines)
	require.Equal(t, []string{"ID", "HOSTNAME", "PID", "TYPES", "WORKERS", "STARTED", "LAST", "HEARTBEAT"}, strings.Fields(lines[0]))
	require.Len(t, lines, 3)
	host, err := os.Hostname()
	require.NoError(t, err)
	pid := strconv.Itoa(os.Getpid())
	first, second := strings.Fields(lines[1]), strings.Fields(lines[2])
	require.Equal(t, []string{"worker-1", host, pid, "email:send,sms", "email:send=3,sms=1"}, first[:5])
	require.Equal(t, []string{"worker-2", host, pid, "sms", "sms=2"}, second[:5])
	for _, ts := range first[5:] {
		at, err := time.Parse(time.RFC3339, ts)
		require.NoError(t, err, "row %q", lines[1])
		require.WithinDuration(t, time.Now(), at, time.Minute)
	}
	require.True(t, strings.HasSuffix(r.stdout, "\n\ntask types with ready tasks and no live consumer: emial:send, report\n"), r.stdout)

	r = runCLI(t, url, "consumers", "--json")
	requireOK(t, r)
	want, err := service(t, db).Consumers(context.Background())
	require.NoError(t, err)
	require.Len(t, want, 2)
	requireJSON(t, want, r.stdout)

	r = runCLI(t, url, "consumers", "extra")
	requireFailure(t, r, exitUsage, "takes no arguments")
}
