package testdb

import "context"
import "database/sql"

// rowQuerier runs a query that returns at most one row: a *sql.DB or a
// *sql.Conn.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// databaseExists reports whether the database name exists.
func databaseExists(ctx context.Context, q rowQuerier, name string) (bool, error) {
	var exists bool
	err := q.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	return exists, err
}
