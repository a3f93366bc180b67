// Package harness runs asynqpg and River side by side on the same
// PostgreSQL server: fresh databases, the same no-op workloads, the same
// measurements.
package harness

import "context"
import "database/sql"
import "errors"
import "fmt"
import "os"
import "strconv"
import "strings"
import "sync/atomic"
import "syscall"
import "time"

import "github.com/jackc/pgx/v5"
import "github.com/jackc/pgx/v5/pgxpool"
import "github.com/jackc/pgx/v5/stdlib"
import "github.com/riverqueue/river/riverdriver/riverpgxv5"
import "github.com/riverqueue/river/rivermigrate"

import "github.com/yakser/asynqpg/internal/embeddedpg"
import "github.com/yakser/asynqpg/migrate"

// dbPrefix starts the name of every database the harness creates; the
// process ID and a counter follow.
const dbPrefix = "asynqpg_bench_"

// Schema names the schemas a fresh database is migrated with.
type Schema int

// Schemas.
const (
	// SchemaAsynqpg is asynqpg's schema, applied with package migrate.
	SchemaAsynqpg Schema = 1 << iota
	// SchemaRiver is River's schema, applied with rivermigrate.
	SchemaRiver
)

// Server is the PostgreSQL server the benchmarks run on, found the way the
// tests find theirs: DATABASE_URL, TEST_DATABASE_URL, a password-less
// server on 127.0.0.1:5432, or a throw-away cluster.
type Server struct {
	pg      *embeddedpg.Server
	counter atomic.Int64
	// statements: pg_stat_statements is loaded, and created in every
	// fresh database.
	statements bool
}

// FindServer finds the server and drops databases left behind by earlier
// runs whose process is gone.
func FindServer(ctx context.Context) (*Server, error) {
	pg, err := embeddedpg.Find(ctx)
	if err != nil {
		return nil, err
	}
	s := &Server{pg: pg}
	if err := s.dropStale(ctx); err != nil {
		s.Close()
		return nil, err
	}
	err = s.admin(ctx, func(c *pgx.Conn) error {
		s.statements, err = statementsLoaded(ctx, c)
		return err
	})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("look for pg_stat_statements: %w", err)
	}
	return s, nil
}

// URL returns the admin URL of the server.
func (s *Server) URL() string { return s.pg.URL() }

// Managed reports whether the server is a throw-away cluster started for
// this run (durability off: faster than a production server).
func (s *Server) Managed() bool { return s.pg.Managed() }

// StatementsLoaded reports whether the server has pg_stat_statements
// loaded: then every fresh database has the extension, and every
// measurement the server's own account of its statements (CPUUsage.Statements).
func (s *Server) StatementsLoaded() bool { return s.statements }

// Close stops a throw-away cluster; a found server is left alone.
func (s *Server) Close() {
	if s.pg.Managed() {
		_ = s.pg.Stop()
	}
}

// admin runs fn on a connection to the server's admin database.
func (s *Server) admin(ctx context.Context, fn func(*pgx.Conn) error) error {
	conn, err := pgx.Connect(ctx, s.pg.URL())
	if err != nil {
		return fmt.Errorf("connect to %s: %w", redact(s.pg.URL()), err)
	}
	defer conn.Close(context.Background())
	return fn(conn)
}

// Settings returns the server's version and the settings that move the
// figures most.
func (s *Server) Settings(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	err := s.admin(ctx, func(c *pgx.Conn) error {
		var v string
		if err := c.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
			return err
		}
		out["server_version"] = v
		rows, err := c.Query(ctx, `SELECT name, setting || COALESCE(' ' || unit, '') FROM pg_settings
			WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers', 'max_connections',
				'full_page_writes', 'wal_level', 'max_wal_size', 'autovacuum')`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k, v string
			if err := rows.Scan(&k, &v); err != nil {
				return err
			}
			out[k] = v
		}
		return rows.Err()
	})
	return out, err
}

// dropStale drops the benchmark databases of processes that no longer run.
func (s *Server) dropStale(ctx context.Context) error {
	return s.admin(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, "SELECT datname FROM pg_database WHERE datname LIKE '"+dbPrefix+"%'")
		if err != nil {
			return fmt.Errorf("list databases: %w", err)
		}
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("list databases: %w", err)
		}
		for _, name := range names {
			pidText, _, _ := strings.Cut(strings.TrimPrefix(name, dbPrefix), "_")
			pid, err := strconv.Atoi(pidText)
			if err != nil || processAlive(pid) {
				continue
			}
			if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
				return fmt.Errorf("drop stale database %s: %w", name, err)
			}
		}
		return nil
	})
}

// processAlive reports whether a process with this ID exists.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Database is a fresh database created for one benchmark case.
type Database struct {
	// Name is the database's name.
	Name string
	// URL connects to it.
	URL string

	server *Server
}

// NewDatabase creates a fresh database and migrates it with schemas.
func (s *Server) NewDatabase(ctx context.Context, schemas Schema) (*Database, error) {
	name := fmt.Sprintf("%s%d_%d", dbPrefix, os.Getpid(), s.counter.Add(1))
	url, err := embeddedpg.DatabaseURL(s.pg.URL(), name)
	if err != nil {
		return nil, err
	}
	err = s.admin(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}
	d := &Database{Name: name, URL: url, server: s}
	if err := d.migrate(ctx, schemas); err != nil {
		_ = d.Drop(context.Background())
		return nil, err
	}
	if err := d.createStatementsExtension(ctx); err != nil {
		_ = d.Drop(context.Background())
		return nil, err
	}
	return d, nil
}

func (d *Database) migrate(ctx context.Context, schemas Schema) error {
	if schemas&SchemaAsynqpg != 0 {
		db, err := sql.Open("pgx", d.URL)
		if err != nil {
			return fmt.Errorf("open %s: %w", d.Name, err)
		}
		err = migrate.Up(ctx, db)
		_ = db.Close()
		if err != nil {
			return fmt.Errorf("migrate asynqpg schema: %w", err)
		}
	}
	if schemas&SchemaRiver != 0 {
		pool, err := pgxpool.New(ctx, d.URL)
		if err != nil {
			return fmt.Errorf("open %s: %w", d.Name, err)
		}
		defer pool.Close()
		m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
		if err != nil {
			return fmt.Errorf("river migrator: %w", err)
		}
		if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("migrate River schema: %w", err)
		}
	}
	return nil
}

// Exec runs statements on the database from a connection of its own,
// outside any transaction (VACUUM needs that).
func (d *Database) Exec(ctx context.Context, stmts ...string) error {
	conn, err := pgx.Connect(ctx, d.URL)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", d.Name, err)
	}
	defer conn.Close(context.Background())
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", firstLine(s), err)
		}
	}
	return nil
}

// Settle vacuums and analyzes table and checkpoints, so that a timed
// phase starts from the same state for every system: planner statistics
// fresh, no dirty buffers from the set-up waiting to be written.
func (d *Database) Settle(ctx context.Context, table string) error {
	return d.Exec(ctx, "VACUUM ANALYZE "+table, "CHECKPOINT")
}

// BackendPIDs returns the process IDs of the server processes working
// for the database: its client backends and autovacuum workers, and the
// server's WAL writer, checkpointer and background writer, whose work
// the case's writes cause.
func (d *Database) BackendPIDs(ctx context.Context) ([]int, error) {
	var pids []int
	err := d.server.admin(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT pid FROM pg_stat_activity
			WHERE datname = $1 OR backend_type IN ('walwriter', 'checkpointer', 'background writer')`, d.Name)
		if err != nil {
			return err
		}
		pids32, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		for _, p := range pids32 {
			pids = append(pids, int(p))
		}
		return err
	})
	return pids, err
}

// Drop drops the database, ending any session still connected to it.
func (d *Database) Drop(ctx context.Context) error {
	return d.server.admin(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{d.Name}.Sanitize()+" WITH (FORCE)")
		return err
	})
}

// redact hides a password in a connection URL.
func redact(url string) string {
	cfg, err := pgx.ParseConfig(url)
	if err != nil || cfg.Password == "" {
		return url
	}
	return strings.Replace(url, cfg.Password, "xxxxx", 1)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// stdlib registers the "pgx" database/sql driver.
var _ = stdlib.GetDefaultDriver

// pollEvery is how often the harness polls the database while it waits.
const pollEvery = 2 * time.Millisecond
