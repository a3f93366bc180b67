package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/jmoiron/sqlx"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/client"
	"github.com/yakser/asynqpg/producer"
)

// Create a Client and look up a task by its ID.
func ExampleNew() {
	ctx := context.Background()
	db, p, _ := connect()
	defer db.Close()

	cl, err := client.New(client.Config{Pool: db})
	if err != nil {
		log.Fatal(err)
	}

	id, err := p.Enqueue(ctx, asynqpg.NewTask("email:send", []byte(`{"to":"user@example.com"}`),
		asynqpg.WithMaxRetry(5), asynqpg.WithDelay(time.Hour)))
	if err != nil {
		log.Fatal(err)
	}

	task, err := cl.GetTask(ctx, id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(task.Type, string(task.Payload))
	fmt.Println(task.Status, task.AttemptsLeft, task.AttemptsElapsed)
	fmt.Println("ready in", time.Until(task.BlockedTill).Round(time.Minute))
	// Output:
	// email:send {"to":"user@example.com"}
	// pending 5 0
	// ready in 1h0m0s
}

// Cancel a task. Cancelling it again changes nothing; a task that does not
// exist (any more) is reported with ErrTaskNotFound.
func ExampleClient_CancelTask() {
	ctx := context.Background()
	db, p, cl := connect()
	defer db.Close()
	id, err := p.Enqueue(ctx, asynqpg.NewTask("report:generate", []byte(`{"month":"2026-01"}`),
		asynqpg.WithDelay(time.Hour)))
	if err != nil {
		log.Fatal(err)
	}

	cancel := func() {
		task, err := cl.CancelTask(ctx, id)
		switch {
		case errors.Is(err, client.ErrTaskNotFound):
			fmt.Println("no such task")
		case errors.Is(err, client.ErrTaskAlreadyFinalized):
			fmt.Println("the task completed already")
		case err != nil:
			log.Fatal(err)
		default:
			fmt.Println("task is", task.Status)
		}
	}
	cancel()
	cancel()
	if _, err := cl.DeleteTask(ctx, id); err != nil {
		log.Fatal(err)
	}
	cancel()
	// Output:
	// task is cancelled
	// task is cancelled
	// no such task
}

// List the tasks of a type in some states, newest first. The tasks carry
// idempotency tokens, so running this again enqueues nothing new.
func ExampleClient_ListTasks() {
	ctx := context.Background()
	db, p, cl := connect()
	defer db.Close()
	var tasks []*asynqpg.Task
	for _, to := range []string{"ada", "bob", "eve"} {
		tasks = append(tasks, asynqpg.NewTask("newsletter:send", []byte(to),
			asynqpg.WithDelay(time.Hour), asynqpg.WithIdempotencyToken("newsletter-"+to)))
	}
	if _, err := p.EnqueueMany(ctx, tasks); err != nil {
		log.Fatal(err)
	}

	result, err := cl.ListTasks(ctx, client.NewListParams().
		States(asynqpg.TaskStatusFailed, asynqpg.TaskStatusPending).
		Types("newsletter:send").
		Limit(50).
		OrderBy(client.OrderByID, client.SortDesc),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(result.Total, "tasks")
	for _, task := range result.Tasks {
		fmt.Println(string(task.Payload), task.Status)
	}
	// Output:
	// 3 tasks
	// eve pending
	// bob pending
	// ada pending
}

// Order fields and directions are the package's constants; anything else
// is rejected before a query is sent.
func ExampleListParams_OrderBy() {
	// sqlx.Open connects lazily: nothing reaches the database here.
	db, err := sqlx.Open("pgx", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	cl, err := client.New(client.Config{Pool: db})
	if err != nil {
		log.Fatal(err)
	}

	_, err = cl.ListTasks(context.Background(), client.NewListParams().
		OrderBy("payload", client.SortAsc))
	fmt.Println(err)
	fmt.Println(errors.Is(err, client.ErrInvalidListParams))

	_, err = cl.ListTasks(context.Background(), client.NewListParams().
		OrderBy(client.OrderByCreatedAt, "descending"))
	fmt.Println(err)
	// Output:
	// list tasks: invalid list parameters: unknown order field "payload"
	// true
	// list tasks: invalid list parameters: unknown sort order "descending"
}

// Page through every task of a type and state, oldest first.
func ExampleListParams_Offset() {
	ctx := context.Background()
	db, p, cl := connect()
	defer db.Close()
	var tasks []*asynqpg.Task
	for i := 1; i <= 5; i++ {
		tasks = append(tasks, asynqpg.NewTask("invoice:issue", fmt.Appendf(nil, "invoice %d", i),
			asynqpg.WithDelay(time.Hour), asynqpg.WithIdempotencyToken(fmt.Sprint("invoice-", i))))
	}
	if _, err := p.EnqueueMany(ctx, tasks); err != nil {
		log.Fatal(err)
	}

	const pageSize = 2
	params := client.NewListParams().
		Types("invoice:issue").
		States(asynqpg.TaskStatusPending).
		OrderBy(client.OrderByID, client.SortAsc).
		Limit(pageSize)
	for offset := 0; ; offset += pageSize {
		page, err := cl.ListTasks(ctx, params.Offset(offset))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Print("page ", offset/pageSize+1, ":")
		for _, task := range page.Tasks {
			fmt.Printf(" %q", task.Payload)
		}
		fmt.Println()
		if offset+pageSize >= page.Total {
			break
		}
	}
	// Output:
	// page 1: "invoice 1" "invoice 2"
	// page 2: "invoice 3" "invoice 4"
	// page 3: "invoice 5"
}

// connect opens the database the examples run against (DATABASE_URL) and
// a Producer and a Client on it.
func connect() (*sqlx.DB, *producer.Producer, *client.Client) {
	db := must(sqlx.Connect("pgx", os.Getenv("DATABASE_URL")))
	return db, must(producer.New(producer.Config{Pool: db})), must(client.New(client.Config{Pool: db}))
}

// must returns v, and ends the example on err.
func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}
