package reliability

import "context"
import "crypto/rand"
import "encoding/hex"
import "fmt"
import "time"

import "github.com/jackc/pgx/v5/pgxpool"

import "github.com/yakser/asynqpg"

// ledgerSchema is the ledger every test handler writes to: one row per
// execution, keyed by (task_id, attempt), where attempt is the task's
// attempts_elapsed when the execution began. A second execution of the
// same attempt goes to reliability_duplicates instead. exec_id identifies
// one execution, so that an insert retried after an ambiguous failure
// (the connection broke after the commit) is not taken for a duplicate.
const ledgerSchema = `
CREATE TABLE reliability_ledger (
	task_id bigint NOT NULL,
	attempt int NOT NULL,
	attempt_key bigint NOT NULL,
	consumer text NOT NULL,
	exec_id text NOT NULL,
	at timestamptz NOT NULL DEFAULT clock_timestamp(),
	PRIMARY KEY (task_id, attempt)
);
CREATE TABLE reliability_duplicates (
	task_id bigint NOT NULL,
	attempt int NOT NULL,
	attempt_key bigint NOT NULL,
	consumer text NOT NULL,
	exec_id text NOT NULL UNIQUE,
	at timestamptz NOT NULL DEFAULT clock_timestamp()
);`

// sqlRecordExecution records one execution in the ledger, or among the
// duplicates when its (task, attempt) executed before.
// $1 task_id, $2 attempt, $3 attempt key, $4 consumer, $5 exec_id.
const sqlRecordExecution = `
WITH ins AS (
	INSERT INTO reliability_ledger (task_id, attempt, attempt_key, consumer, exec_id)
	VALUES ($1, $2, $3, $4, $5)
	ON CONFLICT (task_id, attempt) DO NOTHING
	RETURNING 1
)
INSERT INTO reliability_duplicates (task_id, attempt, attempt_key, consumer, exec_id)
SELECT $1, $2, $3, $4, $5
WHERE NOT EXISTS (SELECT 1 FROM ins)
	AND NOT EXISTS (SELECT 1 FROM reliability_ledger WHERE task_id = $1 AND attempt = $2 AND exec_id = $5)
ON CONFLICT (exec_id) DO NOTHING`

// ledgerWriteTimeout bounds the retries of one ledger write.
const ledgerWriteTimeout = 2 * time.Minute

// recordExecution writes the execution of task by consumer to the ledger,
// retrying through connection failures (a restart, a terminated backend)
// until it succeeds or ledgerWriteTimeout passes. It ignores the handler's
// cancellation: an execution that began is always recorded.
func recordExecution(ctx context.Context, ledger *pgxpool.Pool, consumer string, task *asynqpg.TaskInfo) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ledgerWriteTimeout)
	defer cancel()
	var key int64
	if task.AttemptedAt != nil {
		key = task.AttemptedAt.UnixMicro()
	}
	execID := newExecID()
	delay := 20 * time.Millisecond
	for {
		_, err := ledger.Exec(ctx, sqlRecordExecution, task.ID, task.AttemptsElapsed, key, consumer, execID)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("record execution of task %d: %w", task.ID, err)
		case <-time.After(delay):
		}
		delay = min(delay*2, time.Second)
	}
}

// newExecID returns a random execution ID.
func newExecID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
