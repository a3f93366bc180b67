package harness

import "context"
import "database/sql"
import "fmt"
import "io"
import "log/slog"
import "os"

import "github.com/jackc/pgx/v5/pgxpool"

// TaskType is the type (River: kind) of every benchmark task. Its handler
// does nothing.
const TaskType = "noop"

// Queue is one queue system opened on one database: a producer side, a
// consumer side, and a way to count the work left.
type Queue interface {
	// InsertBatch inserts n no-op tasks with the system's batch insert,
	// as one batch.
	InsertBatch(ctx context.Context, n int) error
	// InsertOne inserts one no-op task with the system's single insert.
	InsertOne(ctx context.Context) error
	// Start starts a consumer with workers workers whose handler calls
	// onTask and returns success.
	Start(ctx context.Context, workers int, onTask func()) error
	// Stop stops the consumer started by Start.
	Stop(ctx context.Context) error
	// Remaining counts the tasks not completed yet.
	Remaining(ctx context.Context) (int64, error)
	// Close closes the queue's connections.
	Close()
}

// Warmer is a Queue that can open its pool's connections ahead of a
// timed phase.
type Warmer interface {
	Warm(ctx context.Context) error
}

// warmPgxPool opens every connection of pool: it holds them all at once,
// then gives them back.
func warmPgxPool(ctx context.Context, pool *pgxpool.Pool) error {
	return holdAll(ctx, int(pool.Config().MaxConns), pool.Acquire, (*pgxpool.Conn).Release)
}

// warmSQLDB opens n connections of db: it holds them all at once, then
// gives them back (db keeps n idle).
func warmSQLDB(ctx context.Context, db *sql.DB, n int) error {
	return holdAll(ctx, n, db.Conn, func(c *sql.Conn) { _ = c.Close() })
}

// holdAll acquires n connections at once, then releases them all.
func holdAll[C any](ctx context.Context, n int, acquire func(context.Context) (C, error), release func(C)) error {
	conns := make([]C, 0, n)
	defer func() {
		for _, c := range conns {
			release(c)
		}
	}()
	for range n {
		c, err := acquire(ctx)
		if err != nil {
			return fmt.Errorf("open connection %d of %d: %w", len(conns)+1, n, err)
		}
		conns = append(conns, c)
	}
	return nil
}

// System is a queue system in a given configuration.
type System struct {
	// ID is a short name for command-line selection, like river-tuned.
	ID string
	// Name labels the system in the results.
	Name string
	// Schema is the schema its databases need.
	Schema Schema
	// Table is the table its tasks live in.
	Table string
	// Open opens the system on a database.
	Open func(ctx context.Context, url string, o Options) (Queue, error)
	// PoolConns, when positive, overrides Options.PoolConns.
	PoolConns int
	// DatabaseSettings are set on the fresh database (ALTER DATABASE ...
	// SET) before the system connects, such as synchronous_commit.
	DatabaseSettings map[string]string
}

// Options are the settings the harness gives every system alike.
type Options struct {
	// PoolConns is the most connections the system's pool opens.
	PoolConns int
	// Logger receives the system's logs.
	Logger *slog.Logger
	// SQLStats, when set, gathers statistics of the statements the
	// system's pgx pools run (not the harness's own).
	SQLStats *SQLStats
}

// WarnLogger returns a logger that lets warnings and errors through to
// stderr: what goes wrong shows, routine messages cost nothing.
func WarnLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// DiscardLogger returns a logger that drops everything.
func DiscardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newPgxPool opens a pgx pool of at most conns connections.
func newPgxPool(ctx context.Context, url string, conns int) (*pgxpool.Pool, error) {
	return newTracedPgxPool(ctx, url, conns, nil)
}

// newTracedPgxPool opens a pgx pool of at most conns connections whose
// statements stats counts (nil: none).
func newTracedPgxPool(ctx context.Context, url string, conns int, stats *SQLStats) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	if conns > 0 {
		cfg.MaxConns = int32(conns)
	}
	if stats != nil {
		cfg.ConnConfig.Tracer = stats
	}
	return pgxpool.NewWithConfig(ctx, cfg)
}
