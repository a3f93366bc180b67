package sqlxdriver_test

import "context"
import "database/sql"
import "errors"
import "fmt"
import "log"
import "os"

import _ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
import "github.com/jmoiron/sqlx"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import sqlxdriver "github.com/yakser/asynqpg/driver/sqlx"
import "github.com/yakser/asynqpg/internal/testfixture/examples"

// Enqueue a task with a *sqlx.DB on pgx's stdlib driver. With lib/pq,
// open it with sqlx.Open("postgres", url); lib/pq defaults to
// sslmode=require, so the URL of a server without TLS needs
// ?sslmode=disable.
func ExampleNew() {
	ctx := context.Background()
	db := must(sqlx.Open("pgx", os.Getenv("DATABASE_URL")))
	defer db.Close()

	// New makes db the asynqpg.Pool of producer.Config, consumer.Config and
	// client.Config: here a Producer and a Client use it.
	p, cl := examples.ProducerAndClient(sqlxdriver.New(db))
	id := must(p.Enqueue(ctx, asynqpg.NewTask("email:send", []byte(`{"to":"user@example.com"}`))))
	examples.PrintTask(ctx, cl, id)
	// Output: email:send pending
}

// Enqueue a task inside the application's *sqlx.Tx, which is passed as it
// is: the task exists if and only if the transaction commits.
func Example_enqueueTx() {
	ctx := context.Background()
	db, p, cl := examples.Connect()
	defer db.Close()
	examples.CreateAccounts(ctx, db) // the application's own table: accounts (id, email)

	tx := must(db.BeginTxx(ctx, nil))
	defer func() { _ = tx.Rollback() }()
	var account int64
	if err := tx.GetContext(ctx, &account, `INSERT INTO accounts (email) VALUES ($1) RETURNING id`, "ada@example.com"); err != nil {
		log.Fatal(err)
	}
	id := must(p.EnqueueTx(ctx, tx, asynqpg.NewTask("email:welcome", fmt.Appendf(nil, `{"account":%d}`, account))))
	if err := tx.Commit(); err != nil {
		log.Fatal(err)
	}
	examples.PrintTask(ctx, cl, id)
	// Output: email:welcome pending
}

// With plain database/sql: wrap the *sql.DB with asynqpg.WrapStdDB, and
// pass a *sql.Tx as a *sqlx.Tx around it. asynqpg runs its statements
// through the *sql.Tx; give the wrapper a Mapper (for example
// sqlx.NewDb(db, "pgx").Mapper) only if your own code scans structs
// through it.
func Example_sqlTx() {
	ctx := context.Background()
	db := must(sql.Open("pgx", os.Getenv("DATABASE_URL")))
	defer db.Close()
	pool := asynqpg.WrapStdDB(db, "pgx")
	p, cl := examples.ProducerAndClient(pool)

	enqueue := func(commit bool) int64 {
		tx := must(db.BeginTx(ctx, nil)) // a *sql.Tx
		defer func() { _ = tx.Rollback() }()
		id := must(p.EnqueueTx(ctx, &sqlx.Tx{Tx: tx}, asynqpg.NewTask("invoice:issue", []byte(`{"order":7}`))))
		if commit {
			if err := tx.Commit(); err != nil {
				log.Fatal(err)
			}
		}
		return id
	}

	task := must(cl.GetTask(ctx, enqueue(true)))
	fmt.Println("committed:", task.Type, task.Status)
	_, err := cl.GetTask(ctx, enqueue(false))
	fmt.Println("rolled back, not found:", errors.Is(err, client.ErrTaskNotFound))
	// Output:
	// committed: invoice:issue pending
	// rolled back, not found: true
}
