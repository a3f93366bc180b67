package consumer_test

import "context"
import "fmt"
import "log"
import "sync"
import "sync/atomic"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/internal/testfixture/examples"

// Two consumers of ten workers each share a limit of two running reports:
// however many workers are free, the database never runs more than two.
func ExampleWithGlobalConcurrency() {
	ctx := context.Background()
	db, p, _ := examples.Connect()
	defer db.Close()

	const reports = 8
	var (
		running, most atomic.Int64
		done          sync.WaitGroup
	)
	done.Add(reports)
	build := consumer.TaskHandlerFunc(func(ctx context.Context, task *asynqpg.TaskInfo) error {
		defer done.Done()
		n := running.Add(1)
		defer running.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			// another handler raised most meanwhile: compare again
		}
		time.Sleep(50 * time.Millisecond) // build the report
		return nil
	})
	for range 2 {
		c := must(consumer.New(consumer.Config{Pool: db, DisableMaintenance: true, FetchInterval: 100 * time.Millisecond}))
		err := c.RegisterTaskHandler("report:build", build,
			consumer.WithWorkersCount(10), consumer.WithGlobalConcurrency(2))
		if err != nil {
			log.Fatal(err)
		}
		stop := start(c)
		defer stop()
	}

	tasks := make([]*asynqpg.Task, reports)
	for i := range tasks {
		tasks[i] = asynqpg.NewTask("report:build", []byte{})
	}
	if _, err := p.EnqueueMany(ctx, tasks); err != nil {
		log.Fatal(err)
	}
	done.Wait()
	fmt.Println("reports built:", reports, "at most at once:", most.Load())
	// Output: reports built: 8 at most at once: 2
}
