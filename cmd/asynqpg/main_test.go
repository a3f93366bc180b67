package main

import "bytes"
import "context"
import "database/sql"
import "encoding/json"
import "fmt"
import "os"
import "os/exec"
import "path/filepath"
import "strings"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/dashboard"
import "github.com/yakser/asynqpg/internal/testdb"
import "github.com/yakser/asynqpg/internal/testfixture"

// binary is the asynqpg command built once for all tests.
var binary string

// TestMain builds the command next to the test binary, in the directory
// the go command removes after the run, and runs the tests.
func TestMain(m *testing.M) {
	if err := build(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testdb.Main(m)
}

func build() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp(filepath.Dir(exe), "asynqpg-cli-")
	if err != nil {
		return err
	}
	binary = filepath.Join(dir, "asynqpg")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		return fmt.Errorf("build the asynqpg command: %v\n%s", err, out)
	}
	return nil
}

// result is what a run of the command did.
type result struct {
	stdout, stderr string
	code           int
}

// runCLI runs the command with args and DATABASE_URL set to url (unset
// when url is empty).
func runCLI(t *testing.T, url string, args ...string) result {
	t.Helper()
	return runCLIWith(t, url, nil, args...)
}

// runCLIWith is runCLI with the variables env (NAME=value) added to the
// environment.
func runCLIWith(t *testing.T, url string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(append(withoutDatabaseURL(os.Environ()), "DATABASE_URL="+url), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := result{stdout: stdout.String(), stderr: stderr.String()}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		require.True(t, ok, "run %v: %v", args, err)
		res.code = ee.ExitCode()
	}
	return res
}

func withoutDatabaseURL(env []string) []string {
	out := make([]string, 0, len(env))
	for _, e := range env {
		if !strings.HasPrefix(e, "DATABASE_URL=") {
			out = append(out, e)
		}
	}
	return out
}

// requireOK checks that a run succeeded and wrote nothing on stderr.
func requireOK(t *testing.T, r result) {
	t.Helper()
	require.Equal(t, 0, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	require.Empty(t, r.stderr)
}

// requireFailure checks the exit status and that stderr is exactly one
// line naming the problem (holding every part of want).
func requireFailure(t *testing.T, r result, code int, want ...string) {
	t.Helper()
	require.Equal(t, code, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	require.True(t, strings.HasSuffix(r.stderr, "\n"), "stderr %q", r.stderr)
	require.Equal(t, 1, strings.Count(r.stderr, "\n"), "stderr must be one line: %q", r.stderr)
	require.True(t, strings.HasPrefix(r.stderr, "asynqpg: "), "stderr %q", r.stderr)
	for _, w := range want {
		require.Contains(t, r.stderr, w)
	}
	require.NotContains(t, r.stderr, "goroutine")
	require.NotContains(t, r.stderr, "Usage:")
}

// requireAligned checks that the lines of a table start their columns
// where the header's columns start. Header cells are separated by at
// least two spaces.
func requireAligned(t *testing.T, lines []string) {
	t.Helper()
	require.NotEmpty(t, lines)
	header := lines[0]
	var starts []int
	for i := range header {
		if header[i] != ' ' && (i == 0 || (i >= 2 && header[i-1] == ' ' && header[i-2] == ' ')) {
			starts = append(starts, i)
		}
	}
	require.Greater(t, len(starts), 1, "header %q", header)
	for _, l := range lines[1:] {
		for _, s := range starts[1:] {
			require.Greater(t, len(l), s, "row %q shorter than the header's columns %q", l, header)
			require.NotEqual(t, byte(' '), l[s], "row %q: no cell at column %d (%q)", l, s, header)
			require.Equal(t, byte(' '), l[s-1], "row %q: cell before column %d too wide (%q)", l, s, header)
		}
	}
}

// tableLines returns the lines of out from the one starting with header
// up to the first empty line or the end.
func tableLines(t *testing.T, out, header string) []string {
	t.Helper()
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, header) {
			end := i
			for end < len(lines) && lines[end] != "" {
				end++
			}
			return lines[i:end]
		}
	}
	t.Fatalf("no table with header %q in:\n%s", header, out)
	return nil
}

// insertTask inserts a task of typ in status and returns its id. A failed
// task has the messages of its three attempts.
func insertTask(t *testing.T, db *sql.DB, typ string, status asynqpg.TaskStatus) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	require.NoError(t, db.QueryRowContext(ctx,
		`INSERT INTO asynqpg_tasks (type, payload) VALUES ($1, '{"n":1}') RETURNING id`, typ).Scan(&id))
	testfixture.SetStatus(t, db, id, status, "first error", "second error", "third error")
	return id
}

// openDB opens a database/sql handle on a brand-new migrated database and
// returns it with its URL.
func openDB(t *testing.T) (*sql.DB, string) {
	t.Helper()
	url := testdb.URL(t)
	return testdb.OpenURL(t, url), url
}

// service returns the dashboard's operations on db, to compare --json
// output with.
func service(t *testing.T, db *sql.DB) *dashboard.Service {
	t.Helper()
	s, err := dashboard.New(asynqpg.WrapStdDB(db, "pgx"), dashboard.Options{})
	require.NoError(t, err)
	return s
}

// requireJSON checks that out is json.Marshal of v and a newline.
func requireJSON(t *testing.T, v any, out string) {
	t.Helper()
	want, err := json.Marshal(v)
	require.NoError(t, err)
	require.Equal(t, string(want)+"\n", out)
}
