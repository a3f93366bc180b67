// Package migrate holds the asynqpg schema as goose migrations embedded in the
// binary, and runs them.
//
// Run them from code with [Up], [Down] and [Status]; they record their
// progress in asynqpg's own version table ([VersionTable]), so they never
// collide with an application's own goose migrations, and they hold a session
// advisory lock of asynqpg's own ([LockID]) while they run, so several
// processes may call [Up] at once: one applies, the others wait and find
// nothing left to do.
//
// A project that manages its schema with its own goose directory can copy the
// files of [FS] into it instead; they must then be renumbered to follow the
// project's existing migrations (goose fix, or goose's allow-missing mode).
package migrate

import "context"
import "database/sql"
import "embed"
import "errors"
import "fmt"
import "io/fs"

import "github.com/pressly/goose/v3"
import "github.com/pressly/goose/v3/lock"

//go:embed migrations/*.sql
var embedded embed.FS

// FS holds the goose-format SQL migration files, at its root.
var FS fs.FS = mustSub(embedded, "migrations")

// VersionTable is the table in which asynqpg records its applied migrations.
const VersionTable = "asynqpg_goose_db_version"

// LockID is the key of the PostgreSQL session advisory lock held while
// migrations run. It differs from goose's default, so an application's own
// goose run and asynqpg's never wait on each other.
const LockID int64 = 0x61737971_70676d67 // "asyqpgmg"

// MigrationStatus is the state of one migration in a database.
type MigrationStatus = goose.MigrationStatus

// ErrNilDB is returned when a nil *sql.DB is passed.
var ErrNilDB = errors.New("migrate: db is nil")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(fmt.Sprintf("migrate: embedded migrations: %v", err))
	}
	return sub
}

func newProvider(db *sql.DB) (*goose.Provider, error) {
	if db == nil {
		return nil, ErrNilDB
	}
	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockID(LockID),
		// Waiting migrators check every second, for up to ten minutes.
		lock.WithLockTimeout(1, 600),
	)
	if err != nil {
		return nil, fmt.Errorf("migrate: session locker: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, FS,
		goose.WithTableName(VersionTable),
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return nil, fmt.Errorf("migrate: goose provider: %w", err)
	}
	return p, nil
}

// Up applies every migration not yet applied. It is idempotent and safe to
// call from many processes at once.
//
// goose needs a *sql.DB: pgx users pass stdlib.OpenDBFromPool(pool), bun users
// bunDB.DB, sqlx users sqlxDB.DB.
func Up(ctx context.Context, db *sql.DB) error {
	p, err := newProvider(db)
	if err != nil {
		return err
	}
	return serialized(ctx, db, func() error {
		if _, err := p.Up(ctx); err != nil {
			return fmt.Errorf("migrate: up: %w", err)
		}
		return nil
	})
}

// outerLockID serializes whole Up calls: goose checks for pending
// migrations, creating its version table when missing, before it takes
// its own lock.
const outerLockID = LockID + 1

// serialized runs fn while holding the outer advisory lock on a connection
// of its own.
func serialized(ctx context.Context, db *sql.DB, fn func() error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, outerLockID); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, outerLockID)
	}()
	return fn()
}

// Down rolls back every applied migration, leaving no asynqpg table behind
// (the version table itself stays).
func Down(ctx context.Context, db *sql.DB) error {
	p, err := newProvider(db)
	if err != nil {
		return err
	}
	if _, err := p.DownTo(ctx, 0); err != nil {
		return fmt.Errorf("migrate: down: %w", err)
	}
	return nil
}

// Status reports, for every embedded migration, whether it is applied.
func Status(ctx context.Context, db *sql.DB) ([]*MigrationStatus, error) {
	p, err := newProvider(db)
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: status: %w", err)
	}
	return st, nil
}

// Version returns the highest applied migration version, 0 when none is.
func Version(ctx context.Context, db *sql.DB) (int64, error) {
	p, err := newProvider(db)
	if err != nil {
		return 0, err
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate: version: %w", err)
	}
	return v, nil
}
