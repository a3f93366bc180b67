package consumer_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/consumer"
)

func ExampleNew() {
	db, err := sqlx.Connect("postgres", "postgres://postgres:password@localhost:5432/asynqpg?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	c, err := consumer.New(consumer.Config{
		Pool: db,
		ErrorHandler: asynqpg.ErrorHandlerFunc(func(ctx context.Context, task *asynqpg.TaskInfo, err error) {
			log.Printf("task %d (%s) failed for good: %v", task.ID, task.Type, err)
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
	if err := c.Start(); err != nil {
		log.Fatal(err)
	}
	defer func() {
		if err := c.Stop(); err != nil {
			log.Print(err)
		}
	}()
	// ... run until the process is told to stop.
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
