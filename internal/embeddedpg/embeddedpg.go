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

import "context"
import "errors"
import "fmt"
import "os"
import "path/filepath"
import "strconv"
import "strings"
import "sync"
import "time"

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
