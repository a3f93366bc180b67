package sqlxdriver_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"os"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/jmoiron/sqlx"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/client"
	sqlxdriver "github.com/yakser/asynqpg/driver/sqlx"
	"github.com/yakser/asynqpg/producer"
)

// Enqueue a task with a *sqlx.DB on pgx's stdlib driver. With lib/pq,
// open it with sqlx.Open("postgres", url); lib/pq defaults to
// sslmode=require, so the URL of a server without TLS needs
// ?sslmode=disable.
func ExampleNew() {
	ctx := context.Background()
	db, err := sqlx.Open("pgx", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	pool := sqlxdriver.New(db)
	p, err := producer.New(producer.Config{Pool: pool})
	if err != nil {
		log.Fatal(err)
	}
	id, err := p.Enqueue(ctx, asynqpg.NewTask("email:send", []byte(`{"to":"user@example.com"}`)))
	if err != nil {
		log.Fatal(err)
	}

	cl, err := client.New(client.Config{Pool: pool})
	if err != nil {
		log.Fatal(err)
	}
	task, err := cl.GetTask(ctx, id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(task.Type, task.Status)
	// Output: email:send pending
}

// Enqueue a task inside the application's *sqlx.Tx, which is passed as it
// is: the task exists if and only if the transaction commits.
func Example_enqueueTx() {
	ctx := context.Background()
	db, err := sqlx.Open("pgx", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	p, cl := fronts(db)
	// The application's own table.
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS accounts (
		id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL)`); err != nil {
		log.Fatal(err)
	}

	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	var account int64
	if err := tx.GetContext(ctx, &account, `INSERT INTO accounts (email) VALUES ($1) RETURNING id`, "ada@example.com"); err != nil {
		log.Fatal(err)
	}
	id, err := p.EnqueueTx(ctx, tx, asynqpg.NewTask("email:welcome", fmt.Appendf(nil, `{"account":%d}`, account)))
	if err != nil {
		log.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		log.Fatal(err)
	}

	task, err := cl.GetTask(ctx, id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(task.Type, task.Status)
	// Output: email:welcome pending
}

// With plain database/sql: wrap the *sql.DB with asynqpg.WrapStdDB, and
// pass a *sql.Tx as a *sqlx.Tx around it. asynqpg runs its statements
// through the *sql.Tx; give the wrapper a Mapper (for example
// sqlx.NewDb(db, "pgx").Mapper) only if your own code scans structs
// through it.
func Example_sqlTx() {
	ctx := context.Background()
	db, err := sql.Open("pgx", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	pool := asynqpg.WrapStdDB(db, "pgx")
	p, cl := fronts(pool)

	enqueue := func(commit bool) int64 {
		tx, err := db.BeginTx(ctx, nil) // a *sql.Tx
		if err != nil {
			log.Fatal(err)
		}
		defer func() { _ = tx.Rollback() }()
		id, err := p.EnqueueTx(ctx, &sqlx.Tx{Tx: tx}, asynqpg.NewTask("invoice:issue", []byte(`{"order":7}`)))
		if err != nil {
			log.Fatal(err)
		}
		if commit {
			if err := tx.Commit(); err != nil {
				log.Fatal(err)
			}
		}
		return id
	}

	task, err := cl.GetTask(ctx, enqueue(true))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("committed:", task.Type, task.Status)
	_, err = cl.GetTask(ctx, enqueue(false))
	fmt.Println("rolled back, not found:", errors.Is(err, client.ErrTaskNotFound))
	// Output:
	// committed: invoice:issue pending
	// rolled back, not found: true
}

// fronts creates the Producer and the Client the examples use on pool.
func fronts(pool asynqpg.Pool) (*producer.Producer, *client.Client) {
	p, err := producer.New(producer.Config{Pool: pool})
	if err != nil {
		log.Fatal(err)
	}
	cl, err := client.New(client.Config{Pool: pool})
	if err != nil {
		log.Fatal(err)
	}
	return p, cl
}
