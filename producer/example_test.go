package producer_test

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
import "github.com/yakser/asynqpg/internal/testfixture/examples"
import "github.com/yakser/asynqpg/producer"

// Connect, create a Producer and enqueue a task. The examples connect with
// pgx's database/sql driver; with lib/pq use sqlx.Connect("postgres", url),
// and add ?sslmode=disable to the URL of a server without TLS.
func ExampleNew() {
	ctx := context.Background()
	db := must(sqlx.Connect("pgx", os.Getenv("DATABASE_URL")))
	defer db.Close()

	p := must(producer.New(producer.Config{Pool: db, DefaultMaxRetry: 5}))
	id := must(p.Enqueue(ctx, asynqpg.NewTask("email:send", []byte(`{"to":"user@example.com"}`))))

	cl := must(client.New(client.Config{Pool: db}))
	task := must(cl.GetTask(ctx, id))
	fmt.Println(task.Type, task.Status, task.AttemptsLeft)
	// Output: email:send pending 5
}

// A task with an idempotency token is enqueued once: enqueueing it again
// returns the ID of the task already there, with ErrDuplicateTask.
func ExampleProducer_Enqueue() {
	ctx := context.Background()
	db, p, _ := examples.Connect()
	defer db.Close()

	task := asynqpg.NewTask("email:welcome", []byte(`{"to":"user@example.com"}`),
		asynqpg.WithMaxRetry(5),
		asynqpg.WithDelay(10*time.Second),
		asynqpg.WithIdempotencyToken("welcome-user-42"),
	)
	first, err := p.Enqueue(ctx, task)
	if err != nil && !errors.Is(err, producer.ErrDuplicateTask) {
		log.Fatal(err)
	}
	again, err := p.Enqueue(ctx, task)
	if errors.Is(err, producer.ErrDuplicateTask) {
		fmt.Println("already enqueued as the same task:", again == first)
	} else if err != nil {
		log.Fatal(err)
	}
	// Output: already enqueued as the same task: true
}

// Enqueue a task inside the application's own transaction: it exists if
// and only if the transaction commits. A *sqlx.Tx is passed as it is.
func ExampleProducer_EnqueueTx() {
	ctx := context.Background()
	db, p, cl := examples.Connect()
	defer db.Close()
	examples.CreateAccounts(ctx, db) // the application's own table: accounts (id, email)

	// signUp creates an account and enqueues its welcome email in one
	// transaction, which it commits or rolls back.
	signUp := func(email string, commit bool) int64 {
		tx := must(db.BeginTxx(ctx, nil))
		defer func() { _ = tx.Rollback() }()
		var account int64
		if err := tx.GetContext(ctx, &account, `INSERT INTO accounts (email) VALUES ($1) RETURNING id`, email); err != nil {
			log.Fatal(err)
		}
		payload := fmt.Appendf(nil, `{"account":%d}`, account)
		id := must(p.EnqueueTx(ctx, tx, asynqpg.NewTask("email:welcome", payload)))
		if commit {
			if err := tx.Commit(); err != nil {
				log.Fatal(err)
			}
		}
		return id
	}

	task := must(cl.GetTask(ctx, signUp("ada@example.com", true)))
	fmt.Println("committed:", task.Type, task.Status)

	_, err := cl.GetTask(ctx, signUp("bob@example.com", false))
	fmt.Println("rolled back:", errors.Is(err, client.ErrTaskNotFound))
	// Output:
	// committed: email:welcome pending
	// rolled back: true
}

// A task without a payload takes an empty slice: a nil payload is refused
// before anything is written.
func ExampleProducer_Enqueue_noPayload() {
	ctx := context.Background()
	db, p, _ := examples.Connect()
	defer db.Close()

	_, err := p.Enqueue(ctx, asynqpg.NewTask("cache:flush", nil))
	fmt.Println(err)
	fmt.Println(errors.Is(err, producer.ErrInvalidTask))

	_, err = p.Enqueue(ctx, asynqpg.NewTask("cache:flush", []byte{}))
	fmt.Println(err)
	// Output:
	// task payload cannot be nil (nil payload: use []byte{} for a task without one)
	// true
	// <nil>
}

// Bad input is rejected before anything is written; in a batch the error
// names the index of the bad task. A task without a payload takes an empty
// slice, never nil.
func ExampleProducer_EnqueueMany_invalidTask() {
	// sqlx.Open connects lazily: nothing reaches the database here.
	db := must(sqlx.Open("pgx", os.Getenv("DATABASE_URL")))
	defer db.Close()
	p := must(producer.New(producer.Config{Pool: db}))
	_, err := p.EnqueueMany(context.Background(), []*asynqpg.Task{
		asynqpg.NewTask("cache:flush", []byte{}),
		asynqpg.NewTask("cache:flush", nil),
	})
	fmt.Println(errors.Is(err, producer.ErrInvalidTask))

	var invalid *producer.InvalidTaskError
	if errors.As(err, &invalid) {
		fmt.Println("bad task at index", invalid.Index)
	}
	// Output:
	// true
	// bad task at index 1
}

// Options override fields of a task for one call; the task itself is not
// changed, so it can serve as a template.
func ExampleWithDelay() {
	ctx := context.Background()
	db, p, cl := examples.Connect()
	defer db.Close()

	reminder := asynqpg.NewTask("reminder:send", []byte(`{"user":42}`))
	var due []time.Time
	for _, after := range []time.Duration{time.Hour, 24 * time.Hour} {
		id := must(p.Enqueue(ctx, reminder, producer.WithDelay(after)))
		task := must(cl.GetTask(ctx, id))
		due = append(due, task.BlockedTill)
	}
	fmt.Println("the second is due", due[1].Sub(due[0]).Round(time.Hour), "after the first")
	fmt.Println("the template is unchanged:", reminder.Delay)
	// Output:
	// the second is due 23h0m0s after the first
	// the template is unchanged: 0s
}
