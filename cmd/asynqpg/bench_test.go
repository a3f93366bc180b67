package main

import "testing"

import "github.com/stretchr/testify/require"

// TestBench: a small run reports both rates and leaves no task behind.
func TestBench(t *testing.T) {
	t.Parallel()
	db, url := openDB(t)
	r := runCLI(t, url, "bench", "-n", "40", "-workers", "3")
	requireOK(t, r)
	require.Regexp(t, `(?m)^task type asynqpg-bench-[0-9a-f]{12}, 40 tasks, 3 workers$`, r.stdout)
	require.Regexp(t, `(?m)^enqueued  40 tasks in \S+: \d+ tasks/s$`, r.stdout)
	require.Regexp(t, `(?m)^processed 40 tasks in \S+: \d+ tasks/s$`, r.stdout)
	var left int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM asynqpg_tasks`).Scan(&left))
	require.Zero(t, left, "the bench deletes its tasks")

	r = runCLI(t, url, "bench", "--count", "5", "--workers=2")
	requireOK(t, r)
	require.Contains(t, r.stdout, "5 tasks, 2 workers")
}
