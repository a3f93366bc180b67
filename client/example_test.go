package client_test

import "context"
import "errors"
import "fmt"
import "log"
import "os"
import "time"

import _ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
import "github.com/jmoiron/sqlx"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"

// Create a Client and look up a task by its ID.
func ExampleNew() {
	ctx := context.Background()
	db, p, _ := connect()
	defer db.Close()

	cl := must(client.New(client.Config{Pool: db}))

	id := must(p.Enqueue(ctx, asynqpg.NewTask("email:send", []byte(`{"to":"user@example.com"}`),
		asynqpg.WithMaxRetry(5), asynqpg.WithDelay(time.Hour))))

	task := must(cl.GetTask(ctx, id))
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
	id := must(p.Enqueue(ctx, asynqpg.NewTask("report:generate", []byte(`{"month":"2026-01"}`),
		asynqpg.WithDelay(time.Hour))))

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
	db := must(sqlx.Open("pgx", os.Getenv("DATABASE_URL")))
	defer db.Close()
	cl := must(client.New(client.Config{Pool: db}))

	_, err := cl.ListTasks(context.Background(), client.NewListParams().
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
		page := must(cl.ListTasks(ctx, params.Offset(offset)))
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
