package asynqpg

import "context"
import "database/sql"

import "github.com/jmoiron/sqlx"

// Querier can execute queries and scan results into structs.
// Both database connection pools and transactions satisfy this interface.
// *sqlx.DB and *sqlx.Tx implement it natively.
type Querier interface {
	// ExecContext executes a query that returns no rows.
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	// SelectContext runs a query and scans every row into dest (a slice).
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
	// GetContext runs a query and scans the single resulting row into dest.
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	// QueryContext runs a query that returns rows.
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	// QueryRowContext runs a query that returns at most one row.
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Pool is a Querier backed by a connection pool that can be pinged.
// *sqlx.DB satisfies it natively; use WrapStdDB for a plain *sql.DB.
type Pool interface {
	Querier
	// PingContext verifies that the database is reachable.
	PingContext(ctx context.Context) error
}

// WrapStdDB wraps a plain *sql.DB as a Pool. driverName is the name the
// database was opened with: "postgres" (lib/pq) or "pgx" (pgx stdlib).
func WrapStdDB(db *sql.DB, driverName string) Pool {
	return sqlx.NewDb(db, driverName)
}

// Compile-time checks that sqlx's handles satisfy the interfaces.
var (
	_ Querier = (*sqlx.DB)(nil)
	_ Querier = (*sqlx.Tx)(nil)
	_ Pool    = (*sqlx.DB)(nil)
)
