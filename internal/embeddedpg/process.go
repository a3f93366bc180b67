package embeddedpg

import "context"
import "fmt"
import "os"
import "os/exec"
import "path/filepath"
import "strings"
import "time"

// serverOptions builds the -o argument for pg_ctl; pg_ctl hands it to
// /bin/sh, hence the quoted socket directory.
func (s *Server) serverOptions() string {
	return fmt.Sprintf("-p %d -k '%s' -c listen_addresses=%s -c fsync=off -c synchronous_commit=off"+
		" -c full_page_writes=off -c max_connections=300", s.port, s.dataDir, localHost)
}

func (s *Server) logFile() string { return filepath.Join(s.dataDir, "log") }

func (s *Server) readLog() string {
	b, err := os.ReadFile(s.logFile())
	if err != nil {
		return ""
	}
	return string(b)
}

// logTail returns the end of the server log, formatted for an error message.
func (s *Server) logTail() string {
	l := strings.TrimSpace(s.readLog())
	if l == "" {
		return ""
	}
	return "\nserver log " + s.logFile() + ":\n" + tail(l, 2000)
}

// run executes a PostgreSQL binary, as the postgres user when needed, and
// returns its combined output; on failure the error carries that output.
func (s *Server) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = s.dataDir
	cmd.Env = childEnv(s.user)
	cmd.WaitDelay = 5 * time.Second
	if s.user != nil {
		setCredential(cmd, s.user)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("%s %s: %w\n%s", filepath.Base(name), strings.Join(args, " "), err, tail(strings.TrimSpace(string(out)), 2000))
	}
	return out, nil
}

// childEnv is the current environment without PG* variables (which would
// redirect initdb and pg_ctl), with HOME and USER of the user that runs them.
func childEnv(u *osUser) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") {
			continue
		}
		if u != nil && (strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "USER=") || strings.HasPrefix(kv, "LOGNAME=")) {
			continue
		}
		env = append(env, kv)
	}
	if u != nil {
		env = append(env, "HOME="+u.home, "USER="+u.name, "LOGNAME="+u.name)
	}
	return env
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
