package testdb

import "context"
import "database/sql"
import "testing"
import "time"

import "github.com/jackc/pgx/v5/pgxpool"

// Open returns a *sql.DB (pgx stdlib driver) on a brand-new database from
// URL, closed when the test ends.
func Open(t testing.TB) *sql.DB {
	t.Helper()
	return OpenURL(t, URL(t))
}

// OpenURL returns a *sql.DB (pgx stdlib driver) on the database at u,
// connected, and closed when the test ends.
func OpenURL(t testing.TB, u string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatalf("testdb: open %s: %v", redact(u), err)
	}
	t.Cleanup(func() { _ = db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("testdb: connect to test database: %v", err)
	}
	return db
}

// PgxPool returns a pgx pool on the database at u, closed when the test
// ends. Like pgxpool.New, it connects on first use.
func PgxPool(t testing.TB, u string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), u)
	if err != nil {
		t.Fatalf("testdb: open a pgx pool on %s: %v", redact(u), err)
	}
	t.Cleanup(pool.Close)
	return pool
}
