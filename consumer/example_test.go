package consumer_test

import "context"
import "errors"
import "fmt"
import "log"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/internal/testfixture/examples"

// Create a Consumer with an ErrorHandler, which hears of every task that
// fails for good. A handler returning an error wrapping ErrSkipRetry fails
// its task at once, whatever attempts are left.
func ExampleNew() {
	ctx := context.Background()
	db, p, _ := examples.Connect()
	defer db.Close()

	failed := make(chan string, 1)
	c, err := consumer.New(consumer.Config{
		Pool: db,
		ErrorHandler: asynqpg.ErrorHandlerFunc(func(ctx context.Context, task *asynqpg.TaskInfo, err error) {
			failed <- fmt.Sprintf("task %s failed for good: %v", task.Type, err)
		}),
	})
	if err != nil {
		log.Fatal(err)
	}
	err = c.RegisterTaskHandler("email:send", consumer.TaskHandlerFunc(
		func(ctx context.Context, task *asynqpg.TaskInfo) error {
			if len(task.Payload) == 0 {
				return fmt.Errorf("empty payload: %w", asynqpg.ErrSkipRetry)
			}
			return nil // send the email
		}),
		consumer.WithWorkersCount(20),
		consumer.WithTimeout(time.Minute),
	)
	if err != nil {
		log.Fatal(err)
	}
	stop := start(c)
	defer stop()

	if _, err := p.Enqueue(ctx, asynqpg.NewTask("email:send", []byte{})); err != nil {
		log.Fatal(err)
	}
	select {
	case msg := <-failed:
		fmt.Println(msg)
	case <-time.After(time.Minute):
		log.Fatal("the task did not fail")
	}
	// Output: task email:send failed for good: empty payload: skip retry for the task
}

// Start a Consumer, enqueue a task, wait for its handler to run, and stop:
// Stop lets the running handlers finish and writes their outcomes.
func ExampleConsumer_Start() {
	ctx := context.Background()
	db, p, cl := examples.Connect()
	defer db.Close()

	c := must(consumer.New(consumer.Config{Pool: db}))
	handled := make(chan string, 1)
	err := c.RegisterTaskHandler("report:generate", consumer.TaskHandlerFunc(
		func(ctx context.Context, task *asynqpg.TaskInfo) error {
			attempt, _ := asynqpg.GetRetryCount(ctx)
			handled <- fmt.Sprintf("%s %s, attempt %d", task.Type, task.Payload, attempt+1)
			return nil
		}), consumer.WithWorkersCount(2))
	if err != nil {
		log.Fatal(err)
	}
	if err := c.Start(); err != nil {
		log.Fatal(err)
	}

	id := must(p.Enqueue(ctx, asynqpg.NewTask("report:generate", []byte(`{"month":"2026-01"}`))))
	select {
	case msg := <-handled:
		fmt.Println("handled", msg)
	case <-time.After(time.Minute):
		log.Fatal("the task did not run")
	}
	if err := c.Stop(); err != nil {
		log.Fatal(err)
	}

	task := must(cl.GetTask(ctx, id))
	fmt.Println(task.Status)
	// Output:
	// handled report:generate {"month":"2026-01"}, attempt 1
	// completed
}

func ExampleTaskHandlerFunc() {
	h := consumer.TaskHandlerFunc(func(ctx context.Context, task *asynqpg.TaskInfo) error {
		attempt, _ := asynqpg.GetRetryCount(ctx)
		fmt.Printf("task %d (%s), attempt %d\n", task.ID, task.Type, attempt+1)
		return nil
	})
	ctx := asynqpg.WithTaskMetadata(context.Background(), asynqpg.TaskMetadata{ID: 7, RetryCount: 1, MaxRetry: 3})
	_ = h.Handle(ctx, &asynqpg.TaskInfo{ID: 7, Type: "report:generate"})
	// Output: task 7 (report:generate), attempt 2
}

func ExampleMiddlewareFunc() {
	logging := consumer.MiddlewareFunc(func(next consumer.TaskHandler) consumer.TaskHandler {
		return consumer.TaskHandlerFunc(func(ctx context.Context, task *asynqpg.TaskInfo) error {
			err := next.Handle(ctx, task)
			fmt.Printf("task %d done, error: %v\n", task.ID, err)
			return err
		})
	})
	h := logging(consumer.TaskHandlerFunc(func(context.Context, *asynqpg.TaskInfo) error {
		return asynqpg.TaskSnooze(time.Minute)
	}))
	err := h.Handle(context.Background(), &asynqpg.TaskInfo{ID: 3})
	var snooze *asynqpg.TaskSnoozeError
	fmt.Println(errors.As(err, &snooze))
	// Output:
	// task 3 done, error: task snoozed for 1m0s
	// true
}

// Enqueue a task every second, from whichever consumer leads: each
// instant is enqueued once however many consumers run.
func ExampleConsumer_RegisterPeriodicTask() {
	db := examples.Open()
	defer db.Close()

	c := must(consumer.New(consumer.Config{Pool: db}))
	instants := make(chan time.Time, 10)
	err := c.RegisterPeriodicTask(consumer.PeriodicTask{
		Name:     "example:heartbeat",
		Schedule: "@every 1s", // or "*/5 * * * *", "@hourly", "CRON_TZ=Europe/Paris 0 9 * * *"
		Task: func(at time.Time) *asynqpg.Task {
			return asynqpg.NewTask("heartbeat", []byte(at.Format(time.RFC3339)))
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	err = c.RegisterTaskHandler("heartbeat", consumer.TaskHandlerFunc(
		func(ctx context.Context, task *asynqpg.TaskInfo) error {
			at, err := time.Parse(time.RFC3339, string(task.Payload))
			if err != nil {
				return err
			}
			instants <- at
			return nil
		}))
	if err != nil {
		log.Fatal(err)
	}
	stop := start(c)
	defer stop()
	select {
	case at := <-instants:
		fmt.Println("heartbeat on a whole second:", at.Nanosecond() == 0)
	case <-time.After(time.Minute):
		log.Fatal("no heartbeat")
	}
	// Output: heartbeat on a whole second: true
}
