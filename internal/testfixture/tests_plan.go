package testfixture

import "context"
import "database/sql"
import "strings"
import "testing"

// RowsQueryer is what the reads of several rows run on: *sql.DB,
// *sql.Conn, *sql.Tx and *sqlx.DB are.
type RowsQueryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Plan returns the plan PostgreSQL chooses for query with args: the text
// of its EXPLAIN, read through db, one line a row.
func Plan(t testing.TB, db RowsQueryer, query string, args ...any) string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), "EXPLAIN "+query, args...)
	if err != nil {
		t.Fatalf("testfixture: explain %s: %v", query, err)
	}
	defer func() { _ = rows.Close() }()
	return strings.Join(Column[string](t, rows), "\n")
}
