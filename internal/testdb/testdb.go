// Package testdb gives every test its own isolated, migrated PostgreSQL
// database, so tests can run in parallel against a real server.
//
// The server comes from embeddedpg.Find (DATABASE_URL, TEST_DATABASE_URL,
// 127.0.0.1:5432, or a throw-away cluster). Once per process, a template
// database holding the migrated asynqpg schema is ensured; each test then
// gets a clone of it (CREATE DATABASE ... TEMPLATE), dropped when the test
// ends. Packages that use testdb should call Main from TestMain, so that a
// throw-away cluster started by the process is shut down and removed:
//
//	func TestMain(m *testing.M) { testdb.Main(m) }
package testdb

import "context"
import "crypto/rand"
import "crypto/sha256"
import "database/sql"
import "database/sql/driver"
import "encoding/hex"
import "errors"
import "fmt"
import "io"
import "io/fs"
import "os"
import "sync"
import "testing"
import "time"

import "github.com/jackc/pgx/v5"
import "github.com/jackc/pgx/v5/pgconn"
import _ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

import "github.com/yakser/asynqpg/internal/embeddedpg"
import "github.com/yakser/asynqpg/migrate"

const (
	// lockKey is the session advisory lock that serializes template builds
	// across test processes ("asyqpgtd").
	lockKey int64 = 0x61737971_70677464

	// Name prefixes of the databases this package creates.
	templatePrefix = "asynqpg_tmpl_"
	buildPrefix    = "asynqpg_tmplbuild_"
	testPrefix     = "asynqpg_test_"

	// setupTimeout bounds finding the server, building the template (which
	// may mean waiting for another process to build it) and one clone.
	setupTimeout = 3 * time.Minute

	// busyRetry bounds retries on "database is being accessed by other users".
	busyRetry = 30 * time.Second

	// sqlstateObjectInUse is reported when a database has other sessions.
	sqlstateObjectInUse = "55006"

	hint = "tests need PostgreSQL: install it (Debian: apt-get install postgresql; `make test` does this), " +
		"run a server on 127.0.0.1:5432 that lets user postgres in without a password, " +
		"or set DATABASE_URL (or TEST_DATABASE_URL) to a server where that user may create databases"
)

// env is the per-process state, filled once by setup.
var env struct {
	mu       sync.Mutex
	server   *embeddedpg.Server
	admin    *sql.DB
	template string
}

// Main runs the tests of a package, then stops a throw-away cluster this
// process started, and exits with the tests' exit code. Call it from
// TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if err := shutdown(); err != nil {
		fmt.Fprintf(os.Stderr, "testdb: %v\n", err)
	}
	os.Exit(code)
}

// shutdown closes the admin pool and stops a managed cluster.
func shutdown() error {
	env.mu.Lock()
	defer env.mu.Unlock()
	if env.admin != nil {
		_ = env.admin.Close()
		env.admin = nil
	}
	env.template = ""
	if env.server == nil {
		return nil
	}
	s := env.server
	env.server = nil
	if err := s.Stop(); err != nil {
		return fmt.Errorf("stop throw-away PostgreSQL cluster: %w", err)
	}
	return nil
}

// URL returns the connection URL of a brand-new database, a clone of the
// migrated template, dropped when the test and its subtests end. It fails
// the test, saying what is missing, when no PostgreSQL server can be used.
func URL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()

	admin, baseURL, template, err := setup(ctx)
	if err != nil {
		t.Fatalf("testdb: %v\n%s", err, hint)
	}
	name := testPrefix + randomHex(8)
	if err := createFromTemplate(ctx, admin, name, template); err != nil {
		t.Fatalf("testdb: create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := dropDatabase(ctx, admin, name); err != nil {
			t.Errorf("testdb: drop test database %s: %v", name, err)
		}
	})
	u, err := embeddedpg.DatabaseURL(baseURL, name)
	if err != nil {
		t.Fatalf("testdb: %v (DATABASE_URL must be a postgres:// URL)", err)
	}
	return u
}

// setup finds the server and ensures the template, once per process; a
// failed attempt is retried by the next caller.
func setup(ctx context.Context) (admin *sql.DB, baseURL, template string, err error) {
	env.mu.Lock()
	defer env.mu.Unlock()
	if env.template != "" {
		return env.admin, env.server.URL(), env.template, nil
	}
	if env.server == nil {
		s, err := embeddedpg.Find(ctx)
		if err != nil {
			return nil, "", "", fmt.Errorf("find a PostgreSQL server: %w", err)
		}
		env.server = s
	}
	if env.admin == nil {
		db, err := sql.Open("pgx", env.server.URL())
		if err != nil {
			return nil, "", "", fmt.Errorf("open admin connection: %w", err)
		}
		db.SetMaxOpenConns(16)
		db.SetMaxIdleConns(4)
		env.admin = db
	}
	name, err := templateName()
	if err != nil {
		return nil, "", "", err
	}
	if err := ensureTemplate(ctx, env.admin, env.server.URL(), name); err != nil {
		return nil, "", "", fmt.Errorf("prepare template database %s on %s: %w", name, redact(env.server.URL()), err)
	}
	env.template = name
	return env.admin, env.server.URL(), env.template, nil
}

// templateName is asynqpg_tmpl_ followed by the first 12 hex digits of the
// SHA-256 of the migration files, so a changed migration gets a new
// template.
func templateName() (string, error) {
	if migrate.FS == nil {
		return "", errors.New("migrate.FS is nil")
	}
	h := sha256.New()
	err := fs.WalkDir(migrate.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		f, err := migrate.FS.Open(path)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		_, _ = io.WriteString(h, path)
		_, _ = h.Write([]byte{0})
		if _, err := io.Copy(h, f); err != nil {
			return err
		}
		_, _ = h.Write([]byte{0})
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash migration files: %w", err)
	}
	return templatePrefix + hex.EncodeToString(h.Sum(nil))[:12], nil
}

// ensureTemplate makes sure the migrated template database exists. Under a
// session advisory lock (other test processes race for the same work), it
// builds the schema in a scratch database and renames it into place only
// once fully migrated, so a crash never leaves a half-migrated template.
func ensureTemplate(ctx context.Context, admin *sql.DB, baseURL, name string) (err error) {
	conn, err := admin.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() {
		// Release the lock; if that fails, discard the connection so the
		// lock ends with its session instead of going back to the pool.
		uctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, uerr := conn.ExecContext(uctx, "SELECT pg_advisory_unlock($1)", lockKey); uerr != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		_ = conn.Close()
	}()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return fmt.Errorf("take advisory lock: %w", err)
	}

	exists, err := databaseExists(ctx, conn, name)
	if err != nil {
		return fmt.Errorf("look up template: %w", err)
	}
	if exists {
		return nil
	}

	// Scratch databases left by a crashed build: nobody else can be building
	// now, since we hold the lock.
	if err := dropLeftovers(ctx, conn); err != nil {
		return err
	}

	build := buildPrefix + name[len(templatePrefix):]
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+ident(build)+" TEMPLATE template0"); err != nil {
		return fmt.Errorf("create scratch database %s: %w", build, err)
	}
	if err := migrateDatabase(ctx, baseURL, build); err != nil {
		return err
	}
	if err := retryBusy(ctx, func() error {
		_, err := conn.ExecContext(ctx, "ALTER DATABASE "+ident(build)+" WITH IS_TEMPLATE true")
		return err
	}); err != nil {
		return fmt.Errorf("mark %s as template: %w", build, err)
	}
	if err := retryBusy(ctx, func() error {
		_, err := conn.ExecContext(ctx, "ALTER DATABASE "+ident(build)+" RENAME TO "+ident(name))
		return err
	}); err != nil {
		return fmt.Errorf("rename %s to %s: %w", build, name, err)
	}
	return nil
}

// migrateDatabase runs the migrations in database dbName and closes every
// connection it opened, so the database can be renamed and cloned.
func migrateDatabase(ctx context.Context, baseURL, dbName string) error {
	u, err := embeddedpg.DatabaseURL(baseURL, dbName)
	if err != nil {
		return err
	}
	db, err := sql.Open("pgx", u)
	if err != nil {
		return fmt.Errorf("open %s: %w", dbName, err)
	}
	defer func() { _ = db.Close() }()
	if err := migrate.Up(ctx, db); err != nil {
		return fmt.Errorf("migrate %s: %w", dbName, err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("close %s: %w", dbName, err)
	}
	return nil
}

// dropLeftovers drops scratch databases of interrupted template builds.
func dropLeftovers(ctx context.Context, conn *sql.Conn) error {
	rows, err := conn.QueryContext(ctx,
		`SELECT datname FROM pg_database WHERE datname LIKE 'asynqpg\_tmplbuild\_%'`)
	if err != nil {
		return fmt.Errorf("list leftover scratch databases: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			_ = rows.Close()
			return fmt.Errorf("list leftover scratch databases: %w", err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list leftover scratch databases: %w", err)
	}
	_ = rows.Close()
	for _, n := range names {
		if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+ident(n)+" WITH IS_TEMPLATE false"); err != nil {
			return fmt.Errorf("unmark leftover scratch database %s: %w", n, err)
		}
		if err := dropDatabase(ctx, conn, n); err != nil {
			return fmt.Errorf("drop leftover scratch database %s: %w", n, err)
		}
	}
	return nil
}

// createFromTemplate clones the template, retrying while the template is
// briefly busy (a session on it delays CREATE DATABASE ... TEMPLATE).
func createFromTemplate(ctx context.Context, admin *sql.DB, name, template string) error {
	return retryBusy(ctx, func() error {
		_, err := admin.ExecContext(ctx, "CREATE DATABASE "+ident(name)+" TEMPLATE "+ident(template))
		return err
	})
}

// execer is satisfied by *sql.DB and *sql.Conn.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// dropDatabase drops a database, disconnecting its sessions.
func dropDatabase(ctx context.Context, db execer, name string) error {
	return retryBusy(ctx, func() error {
		_, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+ident(name)+" WITH (FORCE)")
		return err
	})
}

// retryBusy runs f until it succeeds, fails with an error other than
// "being accessed by other users", or busyRetry has passed.
func retryBusy(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(busyRetry)
	delay := 50 * time.Millisecond
	for {
		err := f()
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != sqlstateObjectInUse || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (gave up: %w)", err, ctx.Err())
		case <-time.After(delay):
		}
		if delay < time.Second {
			delay *= 2
		}
	}
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

// redact hides a password in a URL for error messages.
func redact(u string) string {
	cfg, err := pgx.ParseConfig(u)
	if err != nil || cfg.Password == "" {
		return u
	}
	return fmt.Sprintf("%s:%d/%s (user %s)", cfg.Host, cfg.Port, cfg.Database, cfg.User)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
