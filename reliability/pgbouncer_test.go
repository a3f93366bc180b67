package reliability

import "context"
import "database/sql"
import "errors"
import "fmt"
import "net"
import "net/url"
import "os"
import "os/exec"
import "os/user"
import "path/filepath"
import "strconv"
import "strings"
import "syscall"
import "testing"
import "time"

import "github.com/jackc/pgx/v5"
import "github.com/jackc/pgx/v5/pgxpool"
import "github.com/jmoiron/sqlx"
import _ "github.com/lib/pq" // the "postgres" database/sql driver
import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/conformance"
import sqlxdriver "github.com/yakser/asynqpg/driver/sqlx"
import "github.com/yakser/asynqpg/internal/testdb"
import "github.com/yakser/asynqpg/internal/testfixture"

// pgbouncerInstallHint says how to get PgBouncer when it is missing.
const pgbouncerInstallHint = "install it (Debian: apt-get install pgbouncer); as root the test installs it itself"

// TestPgBouncer is scenario 10: asynqpg through PgBouncer in transaction
// pooling mode (Debian's pgbouncer, started by the test on a free port),
// with pgx in exec mode and with lib/pq sending its parameters in one round
// trip (binary_parameters=yes).
// Pass: the whole conformance suite (driver, producer, client, consumer,
// maintenance chapters) passes through PgBouncer with LISTEN declared
// unavailable; a consumer through PgBouncer detects that LISTEN cannot
// work there (its log says it polls only) and processes every task by
// polling, exactly once; no prepared-statement error anywhere.
//
// The test is not parallel with the other scenarios: it holds its share of
// the connection budget while its subtests (and the conformance suite's,
// which are parallel) wait for a free parallel slot. Were it parallel, the
// other scenarios could take every slot and wait for that budget, and
// neither side could go on. Run first, alone, it cannot be starved.
func TestPgBouncer(t *testing.T) {
	useConnections(t, pgbouncerConnections())
	bouncer := startPgBouncer(t)
	through := func(t testing.TB, rawURL string) string {
		t.Helper()
		return withHost(t, rawURL, bouncer)
	}

	t.Run("conformance", func(t *testing.T) {
		t.Parallel()
		openPgx := func(t testing.TB, rawURL string) asynqpg.Pool {
			t.Helper()
			cfg, err := pgxpool.ParseConfig(through(t, rawURL))
			require.NoError(t, err)
			cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
			closeInsteadOfCancel(cfg.ConnConfig)
			return conformance.OpenPgxConfig(t, cfg)
		}
		openLibpq := func(t testing.TB, rawURL string) asynqpg.Pool {
			t.Helper()
			db, err := sqlx.Open("postgres", withParams(t, through(t, rawURL), "binary_parameters", "yes", "sslmode", "disable"))
			require.NoError(t, err)
			t.Cleanup(func() { _ = db.Close() })
			return sqlxdriver.New(db)
		}
		entries := []conformance.Driver{{Name: "pgbouncer/pgxv5-exec", Open: openPgx, Begin: conformance.BeginPgx}}
		if full() {
			// The short form leaves this one out: the suite's connections
			// would crowd out the other scenarios for a minute.
			entries = append(entries, conformance.Driver{Name: "pgbouncer/sqlx-libpq", Open: openLibpq, Begin: beginSqlxPool})
		}
		for _, d := range entries {
			t.Run(d.Name, func(t *testing.T) {
				t.Parallel()
				conformance.Run(t, d)
			})
		}
	})

	t.Run("consumer polls", func(t *testing.T) {
		t.Parallel()
		const taskType = "bouncer"
		began := time.Now()
		b := setup(t)
		tasks := 500
		logs := newLogRecorder()
		spec := consumerSpec{
			URL: through(t, b.url), LedgerURL: b.url, Name: "bouncer", Types: []string{taskType}, Workers: 10,
			FetchInterval: 100 * time.Millisecond, JanitorInterval: time.Second, Maintenance: true, ExecMode: "exec",
			NoCancelRequests: true,
		}
		rc, err := startConsumer(spec, logs.Logger(), nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = rc.Stop() })
		b.enqueue(t, taskType, tasks, 3)
		b.waitCompleted(t, taskType, tasks, waitLong)
		detected := func() bool { return logs.count("cannot LISTEN", 0) > 0 }
		require.Eventually(t, detected, 30*time.Second, tick,
			"the consumer did not detect that LISTEN does not work through PgBouncer in transaction mode; logs:\n%s", logs.dump())
		require.NoError(t, rc.Stop())
		prepared := strings.Count(strings.ToLower(logs.dump()), "prepared statement")
		c := b.counts(t, taskType)
		report(t, result{
			Scenario: 10, Name: "through PgBouncer (transaction pooling)", Counts: c, Bound: 0, Elapsed: time.Since(began),
			Notes: fmt.Sprintf("listen_unavailable_detected=%v prepared_statement_errors=%d", detected(), prepared),
		})
		requireNoLossNoDuplicate(t, c, tasks, 0)
		require.Zero(t, prepared, "prepared-statement errors:\n%s", logs.dump())
	})
}

// beginSqlxPool begins a database/sql transaction on an sqlx adapter pool.
func beginSqlxPool(t testing.TB, pool asynqpg.Pool) conformance.Tx {
	t.Helper()
	p, ok := pool.(*sqlxdriver.DB)
	require.True(t, ok, "unexpected pool %T", pool)
	tx, err := p.DB.BeginTxx(context.Background(), nil)
	require.NoError(t, err)
	return conformance.Tx{
		Querier: tx,
		Commit:  func(context.Context) error { return tx.Commit() },
		Rollback: func(context.Context) error {
			if err := tx.Rollback(); err != nil && !errors.Is(err, sqlTxDone) {
				return err
			}
			return nil
		},
	}
}

// pgbouncerPath finds the pgbouncer binary, installing Debian's package
// when running as root without it. It fails the test when it cannot.
func pgbouncerPath(t testing.TB) string {
	t.Helper()
	find := func() string {
		if p, err := exec.LookPath("pgbouncer"); err == nil {
			return p
		}
		for _, p := range []string{"/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"} {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
		return ""
	}
	if p := find(); p != "" {
		return p
	}
	if os.Geteuid() != 0 {
		t.Fatalf("pgbouncer not found, and not running as root to install it: %s", pgbouncerInstallHint)
	}
	install := func() ([]byte, error) {
		cmd := exec.Command("apt-get", "install", "-y", "--no-install-recommends", "pgbouncer")
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		return cmd.CombinedOutput()
	}
	out, err := install()
	if err != nil {
		// The package lists may be missing or stale.
		if upd, uerr := exec.Command("apt-get", "update").CombinedOutput(); uerr != nil {
			t.Fatalf("pgbouncer not found; apt-get update failed: %v\n%s\n%s", uerr, upd, pgbouncerInstallHint)
		}
		out, err = install()
	}
	if err != nil {
		t.Fatalf("pgbouncer not found; apt-get install pgbouncer failed: %v\n%s\n%s", err, out, pgbouncerInstallHint)
	}
	if p := find(); p != "" {
		return p
	}
	t.Fatalf("pgbouncer not found after installing it: %s", pgbouncerInstallHint)
	return ""
}

// startPgBouncer starts PgBouncer in transaction pooling mode in front of
// the test server, on a free port of 127.0.0.1, and returns its host:port.
// It stops when the test ends.
func startPgBouncer(t *testing.T) string {
	t.Helper()
	bin := pgbouncerPath(t)
	server := setupServerURL(t)
	su, err := url.Parse(server)
	require.NoError(t, err)
	host, port, err := net.SplitHostPort(su.Host)
	require.NoError(t, err)
	dbUser := su.User.Username()
	if dbUser == "" {
		dbUser = "postgres"
	}
	dir, err := os.MkdirTemp("", "asynqpg-pgbouncer-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	listenPort := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())

	ini := fmt.Sprintf(`[databases]
* = host=%s port=%s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 4
max_user_connections = 16
server_idle_timeout = 5
server_reset_query =
ignore_startup_parameters = extra_float_digits
logfile = %s
pidfile = %s
`, host, port, listenPort, filepath.Join(dir, "userlist.txt"), filepath.Join(dir, "pgbouncer.log"), filepath.Join(dir, "pgbouncer.pid"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pgbouncer.ini"), []byte(ini), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "userlist.txt"), []byte(fmt.Sprintf("%q \"\"\n", dbUser)), 0o644))

	cmd := exec.Command(bin, filepath.Join(dir, "pgbouncer.ini"))
	var out testfixture.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// PgBouncer ends with this process, even when the test binary dies
	// before its cleanup runs.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() == 0 {
		// PgBouncer refuses to run as root.
		uid, gid := lookupUser(t, "postgres")
		require.NoError(t, os.Chown(dir, uid, gid))
		for _, f := range []string{"pgbouncer.ini", "userlist.txt"} {
			require.NoError(t, os.Chown(filepath.Join(dir, f), uid, gid))
		}
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	require.NoError(t, cmd.Start(), "start pgbouncer")
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "pgbouncer.log"))
			t.Logf("pgbouncer output:\n%s\nits log:\n%s", out.String(), tail(string(log), 6000))
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(listenPort))
	require.Eventually(t, func() bool {
		select {
		case err := <-exited:
			exited <- err
			return true
		default:
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return false
		}
		_ = c.Close()
		return true
	}, 30*time.Second, 50*time.Millisecond)
	select {
	case err := <-exited:
		log, _ := os.ReadFile(filepath.Join(dir, "pgbouncer.log"))
		t.Fatalf("pgbouncer exited: %v\n%s\n%s", err, out.String(), log)
	default:
	}
	return addr
}

// lookupUser returns the uid and gid of an operating-system user.
func lookupUser(t testing.TB, name string) (uid, gid int) {
	t.Helper()
	u, err := user.Lookup(name)
	require.NoError(t, err, "PgBouncer refuses to run as root and there is no user %q to run it as", name)
	uid, err = strconv.Atoi(u.Uid)
	require.NoError(t, err)
	gid, err = strconv.Atoi(u.Gid)
	require.NoError(t, err)
	return uid, gid
}

// sqlTxDone is database/sql's error for a finished transaction.
var sqlTxDone = sql.ErrTxDone

// setupServerURL returns the URL of a database on the test server, whose
// host, port and user PgBouncer forwards to.
func setupServerURL(t *testing.T) string {
	t.Helper()
	return testdb.URL(t)
}

// pgbouncerConnections is the share of the connection budget the PgBouncer
// scenario claims: its conformance suite runs many tests at once.
func pgbouncerConnections() int {
	if full() {
		return connectionBudget
	}
	return 35
}
