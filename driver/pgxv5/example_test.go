package pgxv5driver_test

import "context"
import "errors"
import "fmt"
import "log"
import "os"

import "github.com/jackc/pgx/v5/pgxpool"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
import "github.com/yakser/asynqpg/internal/testfixture/examples"

// Enqueue a task inside the application's pgx transaction: the task exists
// if and only if the transaction commits.
func Example_enqueueTx() {
	ctx := context.Background()
	pool, p, cl := connect(ctx)
	defer pool.Close()
	// The application's own table.
	if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS accounts (
		id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL)`); err != nil {
		log.Fatal(err)
	}

	tx := must(pool.Begin(ctx))
	defer func() { _ = tx.Rollback(ctx) }()
	var account int64
	if err := tx.QueryRow(ctx, `INSERT INTO accounts (email) VALUES ($1) RETURNING id`, "ada@example.com").Scan(&account); err != nil {
		log.Fatal(err)
	}
	task := asynqpg.NewTask("email:welcome", fmt.Appendf(nil, `{"account":%d}`, account))
	id := must(p.EnqueueTx(ctx, pgxv5driver.NewTx(tx), task))
	if err := tx.Commit(ctx); err != nil {
		log.Fatal(err)
	}
	examples.PrintTask(ctx, cl, id)
	// Output: email:welcome pending
}

// The Querier of NewTx runs asynqpg's statements and the application's
// own queries inside the transaction: the task is visible there at once,
// and gone for good when the transaction rolls back.
func ExampleNewTx() {
	ctx := context.Background()
	pool, p, cl := connect(ctx)
	defer pool.Close()

	tx := must(pool.Begin(ctx))
	q := pgxv5driver.NewTx(tx)
	id := must(p.EnqueueTx(ctx, q, asynqpg.NewTask("email:verified", []byte(`{"user_id":42}`))))
	var status string
	if err := q.GetContext(ctx, &status, `SELECT status FROM asynqpg_tasks WHERE id = $1`, id); err != nil {
		log.Fatal(err)
	}
	fmt.Println("inside the transaction:", status)
	if err := tx.Rollback(ctx); err != nil {
		log.Fatal(err)
	}

	_, err := cl.GetTask(ctx, id)
	fmt.Println("after the rollback, not found:", errors.Is(err, client.ErrTaskNotFound))
	// Output:
	// inside the transaction: pending
	// after the rollback, not found: true
}

// Enqueue a task with a pgx pool.
func ExampleNew() {
	ctx := context.Background()
	pool := must(pgxpool.New(ctx, os.Getenv("DATABASE_URL")))
	defer pool.Close()

	// New makes pool the asynqpg.Pool of producer.Config, consumer.Config and
	// client.Config: here a Producer and a Client use it.
	p, cl := examples.ProducerAndClient(pgxv5driver.New(pool))
	id := must(p.Enqueue(ctx, asynqpg.NewTask("email:send", []byte(`{"to":"user@example.com"}`))))
	examples.PrintTask(ctx, cl, id)
	// Output: email:send pending
}
