package micro

import "context"
import "os"
import "sync"
import "sync/atomic"
import "testing"
import "time"

import "github.com/yakser/asynqpg/benchmarks/internal/harness"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/engine"

// claimBatch is the batch size of the claim and outcome benchmarks: what
// a consumer with 100 free workers claims at once.
const claimBatch = 100

// lease is the lease of a claim with the consumer's default timeout.
const lease = 35 * time.Second

var drivers = []string{harness.DriverPgx, harness.DriverSqlx, harness.DriverBun}

var (
	serverOnce sync.Once
	server     *harness.Server
	serverErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if server != nil {
		server.Close()
	}
	os.Exit(code)
}

// bundle is a fresh database with asynqpg opened on it through one driver.
type bundle struct {
	q  *harness.AsynqpgQueue
	ex driver.Executor
}

// setup creates a fresh migrated database and opens asynqpg on it
// through driverName.
func setup(b *testing.B, driverName string) *bundle {
	b.Helper()
	serverOnce.Do(func() { server, serverErr = harness.FindServer(context.Background()) })
	if serverErr != nil {
		b.Fatal(serverErr)
	}
	ctx := context.Background()
	db, err := server.NewDatabase(ctx, harness.SchemaAsynqpg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := db.Drop(context.Background()); err != nil {
			b.Error(err)
		}
	})
	q, err := harness.OpenAsynqpg(ctx, db.URL, driverName, harness.Options{PoolConns: 10, Logger: harness.WarnLogger()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(q.Close)
	ex, err := driver.Resolve(q.Pool)
	if err != nil {
		b.Fatal(err)
	}
	return &bundle{q: q, ex: ex}
}

// forDrivers runs bench as one sub-benchmark per driver, each on a fresh
// database.
func forDrivers(b *testing.B, bench func(b *testing.B, bu *bundle)) {
	for _, d := range drivers {
		b.Run(d, func(b *testing.B) { bench(b, setup(b, d)) })
	}
}

// timeBatches times b.N calls of op, each over claimBatch tasks, from a
// backlog of 20 batches, and reports tasks per second.
func (bu *bundle) timeBatches(b *testing.B, op func()) {
	b.Helper()
	bu.fill(b, 20*claimBatch)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		op()
	}
	b.ReportMetric(float64(b.N*claimBatch)/b.Elapsed().Seconds(), "tasks/s")
}

// fill inserts n no-op tasks in batches of 1,000.
func (bu *bundle) fill(b *testing.B, n int) {
	b.Helper()
	for done := 0; done < n; done += harness.InsertBatchSize {
		if err := bu.q.InsertBatch(context.Background(), min(harness.InsertBatchSize, n-done)); err != nil {
			b.Fatal(err)
		}
	}
}

// claim claims up to claimBatch tasks.
func (bu *bundle) claim(b *testing.B) []engine.ClaimedTask {
	b.Helper()
	claimed, err := engine.ClaimTasks(context.Background(), bu.ex, harness.TaskType, claimBatch, lease)
	if err != nil {
		b.Fatal(err)
	}
	return claimed
}

var completed = engine.Decide(nil, 1, 0, 0, nil)

// complete writes a success for every claimed task.
func (bu *bundle) complete(b *testing.B, claimed []engine.ClaimedTask) {
	b.Helper()
	recs := make([]engine.OutcomeRecord, len(claimed))
	for i, c := range claimed {
		recs[i] = engine.OutcomeRecord{Attempt: c.Attempt, Decision: completed}
	}
	written, err := engine.RecordOutcomes(context.Background(), bu.ex, recs)
	if err != nil {
		b.Fatal(err)
	}
	if len(written) != len(recs) {
		b.Fatalf("completed %d of %d tasks", len(written), len(recs))
	}
}

// claimFull returns claimBatch claimed tasks, refilling the backlog first
// when it ran dry. It runs with the timer stopped.
func (bu *bundle) claimFull(b *testing.B) []engine.ClaimedTask {
	b.Helper()
	claimed := bu.claim(b)
	if len(claimed) == claimBatch {
		return claimed
	}
	bu.complete(b, claimed)
	bu.fill(b, 20*claimBatch)
	return bu.claim(b)
}

// BenchmarkClaim measures the claim statement: one op claims a batch of
// 100 ready tasks from a backlog and scans them. The claimed tasks are
// completed with the timer stopped, so the backlog's shape stays that of
// a consumer at work.
func BenchmarkClaim(b *testing.B) {
	forDrivers(b, func(b *testing.B, bu *bundle) {
		bu.timeBatches(b, func() {
			claimed := bu.claim(b)
			b.StopTimer()
			if len(claimed) < claimBatch {
				bu.fill(b, 20*claimBatch)
			}
			bu.complete(b, claimed)
			b.StartTimer()
		})
	})
}

// BenchmarkRecordOutcomes measures the batch completion statement: one
// op completes 100 claimed tasks in one statement. Claiming them runs
// with the timer stopped.
func BenchmarkRecordOutcomes(b *testing.B) {
	forDrivers(b, func(b *testing.B, bu *bundle) {
		bu.timeBatches(b, func() {
			b.StopTimer()
			claimed := bu.claimFull(b)
			b.StartTimer()
			bu.complete(b, claimed)
		})
	})
}

// BenchmarkEnqueueMany1000 measures the producer's batch insert: one op
// inserts 1,000 no-op tasks with one EnqueueMany.
func BenchmarkEnqueueMany1000(b *testing.B) {
	forDrivers(b, func(b *testing.B, bu *bundle) {
		tasks := harness.NoopTasks(1000)
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, err := bu.q.Producer.EnqueueMany(ctx, tasks); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*len(tasks))/b.Elapsed().Seconds(), "tasks/s")
	})
}

// BenchmarkDispatch measures the consumer end to end, per task: one op is
// one task of a backlog of b.N claimed, handed to a no-op handler and
// completed, with 100 workers and the consumer's default settings.
// Inserting the backlog and stopping the consumer are not timed.
func BenchmarkDispatch(b *testing.B) {
	forDrivers(b, func(b *testing.B, bu *bundle) {
		bu.fill(b, b.N)
		ctx := context.Background()
		var (
			count  atomic.Int64
			target = int64(b.N)
			allRan = make(chan struct{})
			once   sync.Once
		)
		b.ReportAllocs()
		b.ResetTimer()
		err := bu.q.Start(ctx, 100, func() {
			if count.Add(1) >= target {
				once.Do(func() { close(allRan) })
			}
		})
		if err != nil {
			b.Fatal(err)
		}
		<-allRan
		for {
			n, err := bu.q.Remaining(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		b.StopTimer()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tasks/s")
		if err := bu.q.Stop(ctx); err != nil {
			b.Fatal(err)
		}
	})
}
