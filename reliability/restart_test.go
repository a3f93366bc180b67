package reliability

import "context"
import "database/sql"
import "fmt"
import "sync"
import "testing"
import "time"

import "github.com/jackc/pgx/v5/pgxpool"
import _ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for migrations
import "github.com/stretchr/testify/require"
import "go.uber.org/goleak"

import "github.com/yakser/asynqpg"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
import "github.com/yakser/asynqpg/internal/embeddedpg"
import "github.com/yakser/asynqpg/migrate"
import "github.com/yakser/asynqpg/internal/testfixture"
import "github.com/yakser/asynqpg/producer"

// TestPostgresRestart is scenario 5: the PostgreSQL server (a throw-away
// cluster of this test's own) restarts while consumers process a steady
// load.
// Pass: 0 committed tasks lost (every task in the table, including those
// whose enqueue call failed but committed, ends completed, and every ID an
// enqueue call returned is among them); 0 duplicates; the consumers
// complete tasks again within 30 s of the restart without being told; no
// goroutine is left once they are stopped (goleak).
//
// Not parallel: goleak counts every goroutine of the process.
func TestPostgresRestart(t *testing.T) {
	const (
		taskType  = "restart"
		consumers = 2
		workers   = 10
		resumeMax = 30 * time.Second
	)
	ignore := goleak.IgnoreCurrent()
	began := time.Now()
	ctx := context.Background()
	tasks := size().LoadTasks

	srv, err := embeddedpg.Start(ctx)
	require.NoError(t, err, "start a throw-away PostgreSQL cluster")
	t.Cleanup(func() { require.NoError(t, srv.Stop()) })
	url := migratedDatabase(t, srv.URL(), "reliability_restart")

	check, err := pgxpool.New(ctx, withParams(t, url, "application_name", "reliability-check"))
	require.NoError(t, err)
	_, err = check.Exec(ctx, ledgerSchema)
	require.NoError(t, err)
	b := &bundle{url: url, pool: check}
	prodPool, err := pgxpool.New(ctx, withParams(t, url, "application_name", "reliability-producer"))
	require.NoError(t, err)
	b.producer, err = producer.New(producer.Config{Pool: pgxv5driver.New(prodPool)})
	require.NoError(t, err)

	var running []*runningConsumer
	for i := range consumers {
		rc, err := startConsumer(consumerSpec{
			URL: url, Name: fmt.Sprintf("restart-%d", i), Types: []string{taskType}, Workers: workers,
			Timeout: 10 * time.Second, HandlerSleep: 10 * time.Millisecond,
			FetchInterval: 100 * time.Millisecond, JanitorInterval: time.Second, Maintenance: true,
		}, nil, nil)
		require.NoError(t, err)
		running = append(running, rc)
	}

	// Feed the load, keeping the IDs of every successful enqueue.
	var (
		mu       sync.Mutex
		returned []int64
		failures int
	)
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		for sent := 0; sent < tasks; {
			batch := make([]*asynqpg.Task, min(steadyBatch, tasks-sent))
			for i := range batch {
				batch[i] = asynqpg.NewTask(taskType, []byte(fmt.Sprint(sent+i)), asynqpg.WithMaxRetry(10))
			}
			ids, err := b.producer.EnqueueMany(ctx, batch)
			mu.Lock()
			if err == nil {
				returned = append(returned, ids...)
				sent += len(batch)
			} else {
				failures++
			}
			mu.Unlock()
			time.Sleep(steadyPeriod)
		}
	}()

	require.Eventually(t, func() bool { return b.completed(t, taskType) >= int64(tasks/4) }, waitLong, tick)
	restartBegan := time.Now()
	require.NoError(t, srv.Restart(ctx), "restart PostgreSQL")
	restartTook := time.Since(restartBegan)
	restartedAt := b.dbNowRetry(t)
	t.Logf("PostgreSQL restarted in %v", restartTook)

	// The consumers resume on their own: a task completes after the restart.
	require.Eventually(t, func() bool {
		var n int64
		err := check.QueryRow(ctx, `SELECT count(*) FROM asynqpg_tasks WHERE type = $1 AND finalized_at > $2`,
			taskType, restartedAt).Scan(&n)
		return err == nil && n > 0
	}, waitLong, tick, "no task completed after the restart")
	var firstAfter time.Time
	require.NoError(t, check.QueryRow(ctx, `SELECT min(finalized_at) FROM asynqpg_tasks WHERE type = $1 AND finalized_at > $2`,
		taskType, restartedAt).Scan(&firstAfter))
	resumed := firstAfter.Sub(restartedAt)

	<-fed
	var inTable int64
	require.NoError(t, check.QueryRow(ctx, `SELECT count(*) FROM asynqpg_tasks WHERE type = $1`, taskType).Scan(&inTable))
	b.waitCompleted(t, taskType, int(inTable), waitLong)
	for _, rc := range running {
		require.NoError(t, rc.Stop())
	}
	mu.Lock()
	var missing int64
	require.NoError(t, check.QueryRow(ctx, `
SELECT count(*) FROM unnest($1::bigint[]) AS r(id)
WHERE NOT EXISTS (SELECT 1 FROM asynqpg_tasks t WHERE t.id = r.id AND t.status = 'completed')`, returned).Scan(&missing))
	nReturned := len(returned)
	mu.Unlock()
	c := b.counts(t, taskType)
	prodPool.Close()
	check.Close()

	report(t, result{
		Scenario: 5, Name: "PostgreSQL restart mid-load", Counts: c, Bound: consumers * workers,
		Recover: resumed, RecoverBound: resumeMax, Elapsed: time.Since(began),
		Notes: fmt.Sprintf("restart_took=%v enqueued_ok=%d enqueue_failures=%d in_table=%d missing_returned=%d",
			restartTook.Round(time.Millisecond), nReturned, failures, inTable, missing),
	})
	require.Zero(t, missing, "tasks whose enqueue returned an ID but that did not complete")
	requireNoLossNoDuplicate(t, c, int(inTable), consumers*workers)
	require.LessOrEqual(t, resumed, resumeMax, "the consumers resumed %v after the restart", resumed)
	goleak.VerifyNone(t, ignore, testfixture.IgnorePgxBackgroundReader)
}

// migratedDatabase creates database name on the server at adminURL,
// migrates it, and returns its URL.
func migratedDatabase(t *testing.T, adminURL, name string) string {
	t.Helper()
	ctx := context.Background()
	admin, err := sql.Open("pgx", adminURL)
	require.NoError(t, err)
	defer admin.Close()
	_, err = admin.ExecContext(ctx, `CREATE DATABASE `+name)
	require.NoError(t, err)
	url, err := embeddedpg.DatabaseURL(adminURL, name)
	require.NoError(t, err)
	db, err := sql.Open("pgx", url)
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, migrate.Up(ctx, db))
	return url
}

// dbNowRetry returns the database's clock, retrying while the server
// comes back.
func (b *bundle) dbNowRetry(t testing.TB) time.Time {
	t.Helper()
	var now time.Time
	require.Eventually(t, func() bool {
		return b.pool.QueryRow(context.Background(), `SELECT clock_timestamp()`).Scan(&now) == nil
	}, waitLong, tick)
	return now
}
