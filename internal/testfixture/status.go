package testfixture

import "context"
import "database/sql"
import "errors"
import "testing"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/pgarray"

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

// CountRows counts every committed row of table, one of asynqpg's own
// tables, read through db.
func CountRows(t testing.TB, db Queryer, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatalf("testfixture: count the rows of %s: %v", table, err)
	}
	return n
}

// CountTypes counts the committed tasks of the given types, read through
// db.
func CountTypes(t testing.TB, db Queryer, types ...string) int {
	t.Helper()
	var n int
	err := db.QueryRowContext(context.Background(),
		`SELECT count(*) FROM asynqpg_tasks WHERE type = ANY($1::text[])`, pgarray.Strings(types)).Scan(&n)
	if err != nil {
		t.Fatalf("testfixture: count tasks of types %q: %v", types, err)
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

// Execer is what SetStatus writes through: *sql.DB, *sql.Tx and *sqlx.DB
// are.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// statusChanges are the updates that leave a pending task in a status the
// way a consumer would; $2 is a failed task's messages.
var statusChanges = map[asynqpg.TaskStatus]string{
	asynqpg.TaskStatusRunning: `UPDATE asynqpg_tasks SET status = 'running', attempted_at = now(),
		blocked_till = now() + interval '1 hour', updated_at = now() WHERE id = $1`,
	asynqpg.TaskStatusCompleted: `UPDATE asynqpg_tasks SET status = 'completed', attempted_at = now(),
		finalized_at = now(), updated_at = now() WHERE id = $1`,
	asynqpg.TaskStatusFailed: `UPDATE asynqpg_tasks SET status = 'failed', attempted_at = now(), finalized_at = now(),
		attempts_left = 0, attempts_elapsed = cardinality($2::text[]), messages = $2::text[], updated_at = now()
		WHERE id = $1`,
	asynqpg.TaskStatusCancelled: `UPDATE asynqpg_tasks SET status = 'cancelled', finalized_at = now(),
		updated_at = now() WHERE id = $1`,
}

// SetStatus puts the pending task id in status, the way a consumer would
// leave it. A failed task has spent its attempts, one a message of
// messages; running is claimed for an hour.
func SetStatus(t testing.TB, db Execer, id int64, status asynqpg.TaskStatus, messages ...string) {
	t.Helper()
	if status == asynqpg.TaskStatusPending {
		return
	}
	q, ok := statusChanges[status]
	if !ok {
		t.Fatalf("testfixture: unknown status %q", status)
	}
	args := []any{id}
	if status == asynqpg.TaskStatusFailed {
		args = append(args, pgarray.Strings(messages))
	}
	if _, err := db.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("testfixture: set task %d %s: %v", id, status, err)
	}
}

// waitTick is how often WaitStatus reads the status again.
const waitTick = 20 * time.Millisecond

// WaitStatus waits, up to within, until task id, read through db, is
// committed in status; it fails the test, saying the status it last read,
// when the task is not in status by then.
func WaitStatus(t testing.TB, db Queryer, id int64, status asynqpg.TaskStatus, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := StatusOf(t, db, id)
		if got == string(status) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("testfixture: task %d is %s after %s, want %s", id, got, within, status)
		}
		time.Sleep(waitTick)
	}
}
