package main

import "context"
import "encoding/json"
import "strings"
import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/testfixture"

// TestStats: counts by type and status as a table and as JSON.
func TestStats(t *testing.T) {
	t.Parallel()
	db, url := openDB(t)

	r := runCLI(t, url, "stats")
	requireOK(t, r)
	require.Equal(t, []string{"TYPE", "PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED", "TOTAL"},
		strings.Fields(strings.Split(r.stdout, "\n")[0]))
	require.Equal(t, []string{"all", "0", "0", "0", "0", "0", "0"}, strings.Fields(strings.Split(r.stdout, "\n")[1]))
	require.Contains(t, r.stdout, "\npaused task types: (none)\n")

	for range 2 {
		insertTask(t, db, "email:send", asynqpg.TaskStatusPending)
	}
	insertTask(t, db, "email:send", asynqpg.TaskStatusFailed)
	insertTask(t, db, "a-much-longer-task-type", asynqpg.TaskStatusCompleted)
	insertTask(t, db, "a-much-longer-task-type", asynqpg.TaskStatusRunning)
	insertTask(t, db, "b", asynqpg.TaskStatusCancelled)

	r = runCLI(t, url, "stats")
	requireOK(t, r)
	lines := tableLines(t, r.stdout, "TYPE")
	requireAligned(t, lines)
	want := [][]string{
		{"a-much-longer-task-type", "0", "1", "1", "0", "0", "2"},
		{"b", "0", "0", "0", "0", "1", "1"},
		{"email:send", "2", "0", "0", "1", "0", "3"},
		{"all", "2", "1", "1", "1", "1", "6"},
	}
	require.Len(t, lines, 1+len(want), r.stdout)
	for i, w := range want {
		require.Equal(t, w, strings.Fields(lines[1+i]))
	}

	r = runCLI(t, url, "stats", "--json")
	requireOK(t, r)
	api, err := service(t, db).Stats(context.Background())
	require.NoError(t, err)
	requireJSON(t, api, r.stdout)
	var got testfixture.StatsJSON
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got), r.stdout)
	require.Equal(t, int64(6), got.Total)
	require.Equal(t, map[string]int64{"pending": 2, "running": 1, "completed": 1, "failed": 1, "cancelled": 1}, got.ByStatus)
	require.Len(t, got.ByType, 3)
}
