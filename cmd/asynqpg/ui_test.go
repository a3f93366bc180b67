package main

import "bufio"
import "context"
import "encoding/json"
import "io"
import "net"
import "net/http"
import "os"
import "os/exec"
import "strings"
import "syscall"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/testfixture"

// TestUI: the dashboard is served with basic auth, its credentials from
// --basic-auth or from ASYNQPG_BASIC_AUTH (the flag wins), answers the API
// as the dashboard's operations do, and stops cleanly on an interrupt.
func TestUI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string // after "ui --listen 127.0.0.1:0"
		env  []string
	}{
		{"flag", []string{"--basic-auth", "admin:s3cret"}, nil},
		{"environment", nil, []string{"ASYNQPG_BASIC_AUTH=admin:s3cret"}},
		{"flag over environment", []string{"--basic-auth", "admin:s3cret"}, []string{"ASYNQPG_BASIC_AUTH=other:pass"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testUI(t, tt.args, tt.env)
		})
	}
}

// testUI runs the ui command with args and env, its credentials
// admin:s3cret, and checks it.
func testUI(t *testing.T, args, env []string) {
	t.Helper()
	db, url := openDB(t)
	insertTask(t, db, "email", asynqpg.TaskStatusFailed)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, append([]string{"ui", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(append(withoutDatabaseURL(os.Environ()), "DATABASE_URL="+url), env...)
	var stderr testfixture.SyncBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, "stderr: %s", stderr.String())
	require.Regexp(t, `^dashboard on http://127\.0\.0\.1:\d+/ \(interrupt to stop\)\n$`, line)
	base := strings.Fields(line)[2]

	get := func(path string, auth bool) (int, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+strings.TrimPrefix(path, "/"), nil)
		require.NoError(t, err)
		if auth {
			req.SetBasicAuth("admin", "s3cret")
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, body
	}

	code, _ := get("/api/stats", false)
	require.Equal(t, http.StatusUnauthorized, code)

	code, body := get("/api/stats", true)
	require.Equal(t, http.StatusOK, code, string(body))
	var envelope struct {
		Data json.RawMessage `json:"data"`
	}
	require.NoError(t, json.Unmarshal(body, &envelope))
	api, err := service(t, db).Stats(ctx)
	require.NoError(t, err)
	requireJSON(t, api, string(envelope.Data)+"\n")

	code, body = get("/", true)
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, strings.ToLower(string(body)), "<!doctype html>")

	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	require.NoError(t, cmd.Wait(), "stderr: %s", stderr.String())
	require.Empty(t, stderr.String())
}

// TestUIBasicAuthEnvironmentRefused: a malformed ASYNQPG_BASIC_AUTH is a
// usage error that names the variable and not its value.
func TestUIBasicAuthEnvironmentRefused(t *testing.T) {
	t.Parallel()
	r := runCLIWith(t, "postgres://postgres@127.0.0.1:1/none", []string{"ASYNQPG_BASIC_AUTH=admin-s3cret"}, "ui")
	requireFailure(t, r, exitUsage, "invalid ASYNQPG_BASIC_AUTH: want user:password")
	require.NotContains(t, r.stderr, "s3cret")
}

// TestUIListenError: an address that cannot be listened on is an error.
func TestUIListenError(t *testing.T) {
	t.Parallel()
	_, url := openDB(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	r := runCLI(t, url, "ui", "--listen", ln.Addr().String())
	requireFailure(t, r, exitError, "listen on "+ln.Addr().String(), "address already in use")
}
