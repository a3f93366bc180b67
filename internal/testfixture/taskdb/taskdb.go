// Package taskdb gives a test its own database with a producer on it, and
// the enqueue and status changes that the dashboard's and the UI's tests
// seed their tasks with (taskdb.go), and the check of a page of tasks
// that the client lists (listed.go). It stands apart from testfixture,
// which the engine's own tests import and which therefore cannot import
// the producer or the client.
package taskdb

import "context"
import "database/sql"
import "testing"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/testdb"
import "github.com/yakser/asynqpg/internal/testfixture"
import "github.com/yakser/asynqpg/producer"

// Tasks is a test's own migrated database, a pool on it and a producer
// that enqueues through that pool.
type Tasks struct {
	// DB is the test's database.
	DB *sql.DB
	// Pool wraps DB as the library takes it.
	Pool asynqpg.Pool
	// Producer enqueues through Pool.
	Producer *producer.Producer
}

// Open opens the test's own database and a producer on it.
func Open(t *testing.T) *Tasks {
	t.Helper()
	db := testdb.Open(t)
	pool := asynqpg.WrapStdDB(db, "pgx")
	pr, err := producer.New(producer.Config{Pool: pool})
	if err != nil {
		t.Fatalf("producer.New: %v", err)
	}
	return &Tasks{DB: db, Pool: pool, Producer: pr}
}

// Enqueue inserts a task through the producer and returns its id.
func (f *Tasks) Enqueue(t *testing.T, typ, payload string) int64 {
	t.Helper()
	id, err := f.Producer.Enqueue(context.Background(), asynqpg.NewTask(typ, []byte(payload)))
	if err != nil {
		t.Fatalf("enqueue %s: %v", typ, err)
	}
	return id
}

// SetStatus moves a task to status as a consumer would.
func (f *Tasks) SetStatus(t *testing.T, id int64, status string) {
	t.Helper()
	testfixture.SetStatus(t, f.DB, id, asynqpg.TaskStatus(status), "boom")
}

// Status reads a task's status; "deleted" when it is gone.
func (f *Tasks) Status(t *testing.T, id int64) string {
	t.Helper()
	return testfixture.StatusOf(t, f.DB, id)
}
