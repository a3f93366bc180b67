package engine

import "context"
import "database/sql"
import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/testdb"
import "github.com/yakser/asynqpg/internal/testfixture"

// maxTestConns caps each test's connections: tests run in parallel on one
// server.
const maxTestConns = 8

// storeBundle is a test's own database, the Executor under test on it (a
// statement-counting wrapper around database/sql) and a direct handle.
type storeBundle struct {
	db *sql.DB
	ex *testfixture.CountingExecutor
}

func setupStore(t *testing.T) *storeBundle {
	t.Helper()
	db := testdb.Open(t)
	db.SetMaxOpenConns(maxTestConns)
	return &storeBundle{db: db, ex: testfixture.NewCountingExecutor(driver.NewStdExecutor(db))}
}

// insert inserts a ready task of type typ directly and returns its ID.
func (b *storeBundle) insert(t *testing.T, typ string) int64 {
	t.Helper()
	var id int64
	require.NoError(t, b.db.QueryRowContext(context.Background(),
		`INSERT INTO asynqpg_tasks (type, payload) VALUES ($1, '\x01') RETURNING id`, typ).Scan(&id))
	return id
}

// setStatus puts task id in status, the way the consumer would leave it.
func (b *storeBundle) setStatus(t *testing.T, id int64, status asynqpg.TaskStatus) {
	t.Helper()
	testfixture.SetStatus(t, b.db, id, status, "boom", "boom", "boom")
}

// get reads task id directly; nil when it does not exist.
func (b *storeBundle) get(t *testing.T, id int64) *TaskRow {
	t.Helper()
	row, err := GetTask(context.Background(), driver.NewStdExecutor(b.db), id)
	if err == ErrTaskNotFound {
		return nil
	}
	require.NoError(t, err)
	return row
}
