package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/client"
)

func ExampleNew() {
	db, err := sqlx.Connect("postgres", "postgres://postgres:password@localhost:5432/asynqpg?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}

	cl, err := client.New(client.Config{Pool: db})
	if err != nil {
		log.Fatal(err)
	}
	_ = cl
}

func ExampleClient_ListTasks() {
	db, err := sqlx.Connect("postgres", "postgres://postgres:password@localhost:5432/asynqpg?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}

	cl, err := client.New(client.Config{Pool: db})
	if err != nil {
		log.Fatal(err)
	}

	result, err := cl.ListTasks(context.Background(), client.NewListParams().
		States(asynqpg.TaskStatusFailed, asynqpg.TaskStatusPending).
		Types("email:send").
		Limit(50).
		OrderBy(client.OrderByCreatedAt, client.SortDesc),
	)
	if err != nil {
		log.Fatal(err)
	}
	_ = result
}

func ExampleClient_CancelTask() {
	db, err := sqlx.Connect("postgres", "postgres://postgres:password@localhost:5432/asynqpg?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	cl, err := client.New(client.Config{Pool: db})
	if err != nil {
		log.Fatal(err)
	}

	task, err := cl.CancelTask(context.Background(), 42)
	switch {
	case errors.Is(err, client.ErrTaskNotFound):
		log.Print("no such task")
	case errors.Is(err, client.ErrTaskAlreadyFinalized):
		log.Print("the task completed already")
	case err != nil:
		log.Fatal(err)
	default:
		log.Printf("task %d is %s", task.ID, task.Status)
	}
}

// Order fields and directions are the package's constants; anything else
// is rejected before a query is sent.
func ExampleListParams_OrderBy() {
	// sqlx.Open connects lazily: nothing reaches a database here.
	db, err := sqlx.Open("postgres", "postgres://postgres:password@localhost:5432/asynqpg?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
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
	// client: list tasks: invalid list parameters: unknown order field "payload"
	// true
	// client: list tasks: invalid list parameters: unknown sort order "descending"
}

// Pages through all failed tasks, newest first.
func ExampleListParams_Offset() {
	db, err := sqlx.Connect("postgres", "postgres://postgres:password@localhost:5432/asynqpg?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	cl, err := client.New(client.Config{Pool: db})
	if err != nil {
		log.Fatal(err)
	}

	const pageSize = 100
	params := client.NewListParams().
		States(asynqpg.TaskStatusFailed).
		OrderBy(client.OrderByID, client.SortDesc).
		Limit(pageSize)
	for offset := 0; ; offset += pageSize {
		page, err := cl.ListTasks(context.Background(), params.Offset(offset))
		if err != nil {
			log.Fatal(err)
		}
		for _, task := range page.Tasks {
			fmt.Println(task.ID, task.Type, task.Messages)
		}
		if offset+pageSize >= page.Total {
			break
		}
	}
}
