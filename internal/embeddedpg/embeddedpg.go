// Package embeddedpg finds a PostgreSQL server for the tests and the demo,
// or starts a throw-away cluster from the PostgreSQL binaries on the machine.
//
// The lookup order is: the DATABASE_URL environment variable, then
// TEST_DATABASE_URL, then a server on 127.0.0.1:5432 that lets user postgres
// in without a password, and finally a private cluster created with initdb
// in a temporary directory and started with pg_ctl. When the process runs as
// root, the binaries run as the postgres operating-system user, because
// PostgreSQL refuses to run as root.
package embeddedpg

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	// localHost and localPort locate the conventional local server.
	localHost = "127.0.0.1"
	localPort = 5432

	// probeTimeout bounds the connection attempt to the local server.
	probeTimeout = 2 * time.Second

	// startTimeout bounds how long pg_ctl waits for start, stop and restart.
	startTimeout = 60 * time.Second

	// ForceEmbeddedEnv names the environment variable that, when set to "1",
	// makes Find skip DATABASE_URL, TEST_DATABASE_URL and the probe of
	// 127.0.0.1:5432 and always start a throw-away cluster.
	ForceEmbeddedEnv = "ASYNQPG_TEST_FORCE_EMBEDDED"

	installHint = "install PostgreSQL (Debian: apt-get install postgresql) or set DATABASE_URL"
)

// dirPrefix starts the name of every managed data directory.
const dirPrefix = "asynqpg-pg-"

// probePort is the port of the conventional local server; tests change it.
var probePort = localPort

// errNoBinaries reports that neither initdb nor pg_ctl could be found.
var errNoBinaries = errors.New("no initdb found (looked on PATH and in /usr/lib/postgresql/*/bin)")

// Server is a PostgreSQL server found or started by Find or Start.
type Server struct {
	url     string
	managed bool
	dataDir string
	port    int
	bin     binaries
	user    *osUser

	mu      sync.Mutex
	stopped bool
}

// URL returns the admin connection URL: a postgres:// URL usable by lib/pq
// and pgx. For a server found through DATABASE_URL or TEST_DATABASE_URL it is
// the variable's value unchanged.
func (s *Server) URL() string { return s.url }

// Managed reports whether this process started the server (a throw-away
// cluster that Stop removes) rather than finding an existing one.
func (s *Server) Managed() bool { return s.managed }

// DataDir returns the data directory of a managed cluster, or "" for an
// external server.
func (s *Server) DataDir() string { return s.dataDir }

// Port returns the TCP port the server listens on, or 0 when it cannot be
// read from an external server's URL.
func (s *Server) Port() int { return s.port }

// Find returns a PostgreSQL server to use: the one named by DATABASE_URL or
// TEST_DATABASE_URL, else the server on 127.0.0.1:5432 when user postgres
// can connect to it without a password, else a throw-away cluster started
// with Start. Setting ASYNQPG_TEST_FORCE_EMBEDDED=1 skips straight to Start.
// The caller must Stop a managed server to remove its cluster.
func Find(ctx context.Context) (*Server, error) {
	if os.Getenv(ForceEmbeddedEnv) == "1" {
		return Start(ctx)
	}
	for _, name := range []string{"DATABASE_URL", "TEST_DATABASE_URL"} {
		if v := strings.TrimSpace(os.Getenv(name)); v != "" {
			return &Server{url: v, port: portOf(v)}, nil
		}
	}
	local := adminURL(localHost, probePort)
	probeErr := probe(ctx, local, probeTimeout)
	if probeErr == nil {
		return &Server{url: local, port: probePort}, nil
	}
	s, err := Start(ctx)
	if err != nil {
		if errors.Is(err, errNoBinaries) {
			return nil, fmt.Errorf("embeddedpg: no PostgreSQL server reachable at %s:%d (%v) and %w: %s",
				localHost, probePort, probeErr, errNoBinaries, installHint)
		}
		return nil, fmt.Errorf("embeddedpg: no PostgreSQL server reachable at %s:%d (%v), and starting a throw-away cluster failed: %w",
			localHost, probePort, probeErr, err)
	}
	return s, nil
}

// Start always creates and starts a throw-away cluster: initdb into a new
// directory under os.TempDir() named asynqpg-pg-<pid>-*, then pg_ctl start
// on a free port of 127.0.0.1 with durability switched off for speed. The
// caller must call Stop to shut it down and remove its data directory; a
// cluster left behind by a process that died first is stopped and removed by
// the next Start.
func Start(ctx context.Context) (*Server, error) {
	bin, err := findBinaries()
	if err != nil {
		return nil, fmt.Errorf("embeddedpg: %w: %s", err, installHint)
	}
	usr, err := runAsUser()
	if err != nil {
		return nil, fmt.Errorf("embeddedpg: %w", err)
	}
	reapStale(bin, usr)
	// The owner's PID in the name lets a later Start remove clusters whose
	// process died without calling Stop (a panic, a go test timeout).
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-*", dirPrefix, os.Getpid()))
	if err != nil {
		return nil, fmt.Errorf("embeddedpg: create data directory: %w", err)
	}
	if strings.ContainsAny(dir, `'"\`) {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("embeddedpg: temporary directory %q contains quotes; set TMPDIR to a plain path", dir)
	}
	s := &Server{managed: true, dataDir: dir, bin: bin, user: usr}
	if usr != nil {
		if err := os.Chown(dir, usr.uid, usr.gid); err != nil {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("embeddedpg: hand data directory %s to user %s: %w", dir, usr.name, err)
		}
	}
	if err := s.start(ctx); err != nil {
		_ = s.stopAndRemove()
		return nil, err
	}
	return s, nil
}

// start runs initdb and starts the cluster, retrying on another port when
// the chosen one was taken in the meantime.
func (s *Server) start(ctx context.Context) error {
	if _, err := s.run(ctx, s.bin.initdb, "-D", s.dataDir, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		return fmt.Errorf("embeddedpg: initdb: %w", err)
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return fmt.Errorf("embeddedpg: pick a free port: %w", err)
		}
		s.port = port
		_ = os.Remove(s.logFile())
		_, err = s.run(ctx, s.bin.pgCtl, "start", "-w", "-t", strconv.Itoa(int(startTimeout/time.Second)),
			"-D", s.dataDir, "-o", s.serverOptions(), "-l", s.logFile())
		if err == nil {
			lastErr = nil
			break
		}
		lastErr = fmt.Errorf("embeddedpg: pg_ctl start: %w%s", err, s.logTail())
		if !strings.Contains(s.readLog(), "already in use") {
			return lastErr
		}
	}
	if lastErr != nil {
		return lastErr
	}
	s.url = adminURL(localHost, s.port)
	return s.waitReady(ctx)
}

// waitReady polls until the server accepts connections.
func (s *Server) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(startTimeout)
	for {
		err := probe(ctx, s.url, probeTimeout)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("embeddedpg: cluster in %s started but does not accept connections: %w%s",
				s.dataDir, err, s.logTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Restart restarts a managed cluster (pg_ctl restart -m fast), dropping every
// connection, and waits until it accepts connections again on the same port.
// It returns an error for an external server.
func (s *Server) Restart(ctx context.Context) error {
	if !s.managed {
		return errors.New("embeddedpg: Restart needs a managed cluster; this server was found, not started, by this process")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return errors.New("embeddedpg: Restart called after Stop")
	}
	if _, err := s.run(ctx, s.bin.pgCtl, "restart", "-w", "-m", "fast", "-t", strconv.Itoa(int(startTimeout/time.Second)),
		"-D", s.dataDir, "-o", s.serverOptions(), "-l", s.logFile()); err != nil {
		return fmt.Errorf("embeddedpg: pg_ctl restart: %w%s", err, s.logTail())
	}
	return s.waitReady(ctx)
}

// Stop shuts down a managed cluster (pg_ctl stop -m fast) and removes its
// data directory. It does nothing for an external server, and nothing on a
// second call.
func (s *Server) Stop() error {
	if !s.managed {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil
	}
	s.stopped = true
	return s.stopAndRemove()
}

// stopAndRemove stops the cluster, falling back to an immediate shutdown,
// and removes the data directory.
func (s *Server) stopAndRemove() error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout+10*time.Second)
	defer cancel()
	var stopErr error
	if _, err := os.Stat(filepath.Join(s.dataDir, "postmaster.pid")); err == nil {
		_, stopErr = s.run(ctx, s.bin.pgCtl, "stop", "-w", "-m", "fast", "-t", strconv.Itoa(int(startTimeout/time.Second)), "-D", s.dataDir)
		if stopErr != nil {
			_, err := s.run(ctx, s.bin.pgCtl, "stop", "-w", "-m", "immediate", "-D", s.dataDir)
			if err != nil {
				return fmt.Errorf("embeddedpg: pg_ctl stop %s: %w (immediate stop: %v); data directory kept", s.dataDir, stopErr, err)
			}
		}
	}
	if err := os.RemoveAll(s.dataDir); err != nil {
		return fmt.Errorf("embeddedpg: remove data directory: %w", err)
	}
	if stopErr != nil {
		return fmt.Errorf("embeddedpg: pg_ctl stop -m fast failed, stopped with -m immediate: %w", stopErr)
	}
	return nil
}

// reapStale stops and removes managed clusters whose owning process is gone.
// It is best effort: failures are ignored. A cluster whose postmaster is not
// visible as a live process here (another PID namespace, perhaps sharing the
// temporary directory) is left alone unless its directory is old and it has
// no postmaster.pid.
func reapStale(bin binaries, usr *osUser) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*-*"))
	for _, dir := range dirs {
		rest := strings.TrimPrefix(filepath.Base(dir), dirPrefix)
		owner, err := strconv.Atoi(rest[:strings.Index(rest, "-")])
		if err != nil || owner == os.Getpid() || processAlive(owner) {
			continue
		}
		stale := &Server{managed: true, dataDir: dir, bin: bin, user: usr}
		if pidFile, err := os.ReadFile(filepath.Join(dir, "postmaster.pid")); err == nil {
			first, _, _ := strings.Cut(string(pidFile), "\n")
			if pm, err := strconv.Atoi(strings.TrimSpace(first)); err == nil && processAlive(pm) {
				_ = stale.stopAndRemove()
				continue
			}
		}
		if fi, err := os.Stat(dir); err == nil && time.Since(fi.ModTime()) > 10*time.Minute {
			_ = os.RemoveAll(dir)
		}
	}
}

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

// probe reports whether url accepts a connection and a trivial query within
// timeout.
func probe(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(context.Background()) }()
	var one int
	return conn.QueryRow(ctx, "select 1").Scan(&one)
}

// adminURL is the URL of database postgres as user postgres, no password.
func adminURL(host string, port int) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User("postgres"),
		Host:     net.JoinHostPort(host, strconv.Itoa(port)),
		Path:     "/postgres",
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// portOf extracts the port from a postgres URL, 5432 when the URL has a host
// but no port, and 0 when it is not a URL.
func portOf(raw string) int {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return 0
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return 0
		}
		return n
	}
	return localPort
}

// DatabaseURL returns baseURL with its database name replaced by dbName.
// baseURL must be a postgres:// or postgresql:// URL.
func DatabaseURL(baseURL, dbName string) (string, error) {
	if dbName == "" {
		return "", errors.New("embeddedpg: empty database name")
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		return "", fmt.Errorf("embeddedpg: parse database URL: %w", err)
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return "", fmt.Errorf("embeddedpg: database URL must start with postgres:// or postgresql://, got scheme %q", u.Scheme)
	}
	u.Path = "/" + dbName
	u.RawPath = ""
	return u.String(), nil
}

// freePort asks the kernel for a free TCP port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(localHost, "0"))
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// binaries are the PostgreSQL programs a managed cluster needs.
type binaries struct {
	initdb string
	pgCtl  string
}

// versionDirs are glob patterns of versioned installation directories; the
// highest version found wins.
var versionDirs = []string{
	"/usr/lib/postgresql/*/bin",          // Debian, Ubuntu
	"/usr/pgsql-*/bin",                   // PGDG RPMs
	"/opt/homebrew/opt/postgresql@*/bin", // Homebrew, Apple silicon
	"/usr/local/opt/postgresql@*/bin",    // Homebrew, Intel
	"/Applications/Postgres.app/Contents/Versions/*/bin",
}

var versionRE = regexp.MustCompile(`\d+(\.\d+)?`)

// findBinaries locates initdb and pg_ctl: on PATH first, then in the
// versioned installation directories, highest version first.
func findBinaries() (binaries, error) {
	if initdb, err := exec.LookPath("initdb"); err == nil {
		dir := filepath.Dir(initdb)
		if real, err := filepath.EvalSymlinks(initdb); err == nil {
			dir = filepath.Dir(real)
		}
		if isExecutable(filepath.Join(dir, "pg_ctl")) {
			return binaries{initdb: initdb, pgCtl: filepath.Join(dir, "pg_ctl")}, nil
		}
		if pgCtl, err := exec.LookPath("pg_ctl"); err == nil {
			return binaries{initdb: initdb, pgCtl: pgCtl}, nil
		}
	}
	type candidate struct {
		dir     string
		version float64
	}
	var cands []candidate
	for _, pattern := range versionDirs {
		matches, _ := filepath.Glob(pattern)
		prefix := pattern[:strings.Index(pattern, "*")]
		for _, dir := range matches {
			if !isExecutable(filepath.Join(dir, "initdb")) || !isExecutable(filepath.Join(dir, "pg_ctl")) {
				continue
			}
			v, _ := strconv.ParseFloat(versionRE.FindString(strings.TrimPrefix(dir, prefix)), 64)
			cands = append(cands, candidate{dir: dir, version: v})
		}
	}
	if len(cands) == 0 {
		return binaries{}, errNoBinaries
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].version > cands[j].version })
	return binaries{
		initdb: filepath.Join(cands[0].dir, "initdb"),
		pgCtl:  filepath.Join(cands[0].dir, "pg_ctl"),
	}, nil
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
