package testfixture

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/yakser/asynqpg"
)

// Queryer is what the reads run on: *sql.DB, *sql.Tx and *sqlx.DB are.
type Queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// CountStatus counts the committed tasks of taskType in status, read
// through db.
func CountStatus(t testing.TB, db Queryer, taskType string, status asynqpg.TaskStatus) int {
	t.Helper()
	var n int
	err := db.QueryRowContext(context.Background(),
		`SELECT count(*) FROM asynqpg_tasks WHERE type = $1 AND status = $2`, taskType, string(status)).Scan(&n)
	if err != nil {
		t.Fatalf("testfixture: count %s tasks of type %q: %v", status, taskType, err)
	}
	return n
}

// StatusOf reads the status of task id through db: "deleted" when there
// is no such task.
func StatusOf(t testing.TB, db Queryer, id int64) string {
	t.Helper()
	var s string
	err := db.QueryRowContext(context.Background(), `SELECT status FROM asynqpg_tasks WHERE id = $1`, id).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return "deleted"
	}
	if err != nil {
		t.Fatalf("testfixture: status of task %d: %v", id, err)
	}
	return s
}
