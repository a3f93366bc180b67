package reliability

import "context"
import "fmt"
import "net/url"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"

// TestStatementTimeout is scenario 9: the consumer's database role has a
// statement_timeout of 50 ms, and the cleaner has a backlog whose deletion
// takes longer than that per full batch (each deleted row costs 0.2 ms
// through a trigger, so a batch of 1,000 rows needs 200 ms).
// Pass: every task of the load completes and none is left running or
// pending (no task stuck); the maintenance statements that hit the timeout
// are retried with halved batches (logged) and the backlog is deleted to
// the last row.
func TestStatementTimeout(t *testing.T) {
	t.Parallel()
	const (
		taskType = "slow"
		backlog  = 5000
	)
	tasks := size().LoadTasks
	began := time.Now()
	useConnections(t, 2*4+1)
	b := setup(t)
	role := "reliability_slow_" + newExecID()[:8]
	b.exec(t, fmt.Sprintf(`CREATE ROLE %s LOGIN`, role))
	t.Cleanup(func() {
		ctx := context.Background()
		_, _ = b.pool.Exec(ctx, fmt.Sprintf(`DROP OWNED BY %s`, role))
		_, _ = b.pool.Exec(ctx, fmt.Sprintf(`DROP ROLE %s`, role))
	})
	b.exec(t, fmt.Sprintf(`ALTER ROLE %s SET statement_timeout = '50ms'`, role))
	b.exec(t, fmt.Sprintf(`GRANT ALL ON ALL TABLES IN SCHEMA public TO %s`, role))
	b.exec(t, fmt.Sprintf(`GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO %s`, role))
	b.exec(t, `
CREATE FUNCTION reliability_slow_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_sleep(0.0002);
	RETURN OLD;
END $$;
CREATE TRIGGER reliability_slow_delete BEFORE DELETE ON asynqpg_tasks
	FOR EACH ROW EXECUTE FUNCTION reliability_slow_delete();`)
	b.exec(t, `
INSERT INTO asynqpg_tasks (type, status, attempts_left, finalized_at, created_at)
SELECT 'old', 'completed', 1, now() - interval '2 days', now() - interval '2 days'
FROM generate_series(1, $1)`, backlog)

	u, err := url.Parse(b.url)
	require.NoError(t, err)
	u.User = url.User(role)
	slowURL := u.String()
	pool := openPool(t, slowURL, "slow-consumer")
	var timeoutSetting string
	require.NoError(t, pool.QueryRow(context.Background(), `SHOW statement_timeout`).Scan(&timeoutSetting))
	require.Equal(t, "50ms", timeoutSetting)

	logs := newLogRecorder()
	c, err := consumer.New(consumer.Config{
		Pool: pgxv5driver.New(pool), ClientID: "slow", Logger: logs.Logger(),
		FetchInterval: 100 * time.Millisecond, JanitorInterval: 500 * time.Millisecond,
		CompletedRetention: time.Hour, ShutdownTimeout: 10 * time.Second,
	})
	require.NoError(t, err)
	require.NoError(t, c.RegisterTaskHandler(taskType, consumer.TaskHandlerFunc(
		func(ctx context.Context, task *asynqpg.TaskInfo) error {
			return recordExecution(ctx, b.pool, "slow", task)
		}), consumer.WithWorkersCount(10)))
	require.NoError(t, c.Start())
	t.Cleanup(func() { _ = c.Stop() })

	b.enqueue(t, taskType, tasks, 10)
	b.waitCompleted(t, taskType, tasks, waitLong)
	require.Eventually(t, func() bool {
		return b.scalar(t, `SELECT count(*) FROM asynqpg_tasks WHERE type = 'old'`) == 0
	}, waitLong, tick, "the cleaner did not finish; left %d of %d; logs:\n%s",
		b.scalar(t, `SELECT count(*) FROM asynqpg_tasks WHERE type = 'old'`), backlog, logs.dump())
	cleaned := time.Since(began)
	require.NoError(t, c.Stop())

	stuck := b.scalar(t, `SELECT count(*) FROM asynqpg_tasks WHERE status IN ('running', 'pending')`)
	halvings := logs.count("halving its batch", 0)
	cnt := b.counts(t, taskType)
	report(t, result{
		Scenario: 9, Name: "statement_timeout 50ms on the role", Counts: cnt, Bound: -1, Elapsed: time.Since(began),
		Notes: fmt.Sprintf("stuck=%d backlog_deleted=%d batch_halvings=%d maintenance_failures=%d cleaned_within=%v",
			stuck, backlog, halvings, logs.count("maintenance failed", 0), cleaned.Round(time.Millisecond)),
	})
	require.Zero(t, stuck, "tasks left running or pending")
	requireNoLossNoDuplicate(t, cnt, tasks, -1)
	require.Positive(t, halvings, "no maintenance batch was halved: the timeout was never hit")
}
