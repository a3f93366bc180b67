package bundriver_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/client"
	bundriver "github.com/yakser/asynqpg/driver/bun"
	"github.com/yakser/asynqpg/producer"
)

// Enqueue a task with bun on pgx's stdlib driver.
func ExampleNew() {
	ctx := context.Background()
	sqldb, err := sql.Open("pgx", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	db := bun.NewDB(sqldb, pgdialect.New())
	defer db.Close()

	pool := bundriver.New(db)
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

// Enqueue a task inside a bun transaction: the task exists if and only if
// the transaction commits.
func Example_enqueueTx() {
	ctx := context.Background()
	db, p, cl := connect()
	defer db.Close()

	// The application's own model and table.
	type Account struct {
		bun.BaseModel `bun:"table:accounts"`
		ID            int64  `bun:"id,pk,autoincrement"`
		Email         string `bun:"email,notnull"`
	}
	if _, err := db.NewCreateTable().Model((*Account)(nil)).IfNotExists().Exec(ctx); err != nil {
		log.Fatal(err)
	}

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	account := &Account{Email: "ada@example.com"}
	if _, err := tx.NewInsert().Model(account).Exec(ctx); err != nil {
		log.Fatal(err)
	}
	task := asynqpg.NewTask("email:welcome", fmt.Appendf(nil, `{"account":%d}`, account.ID))
	id, err := p.EnqueueTx(ctx, bundriver.NewTx(tx), task)
	if err != nil {
		log.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		log.Fatal(err)
	}

	info, err := cl.GetTask(ctx, id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.Type, info.Status, account.ID > 0)
	// Output: email:welcome pending true
}

// The same with RunInTx, which commits when the function returns nil and
// rolls back when it returns an error.
func ExampleNewTx() {
	ctx := context.Background()
	db, p, cl := connect()
	defer db.Close()

	var id int64
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		id, err = p.EnqueueTx(ctx, bundriver.NewTx(tx), asynqpg.NewTask("email:verified", []byte(`{"user_id":42}`)))
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	task, err := cl.GetTask(ctx, id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(task.Type, task.Status)
	// Output: email:verified pending
}

// connect opens a *bun.DB on the database the examples run against
// (DATABASE_URL), and a Producer and a Client on its adapter.
func connect() (*bun.DB, *producer.Producer, *client.Client) {
	sqldb, err := sql.Open("pgx", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	db := bun.NewDB(sqldb, pgdialect.New())
	pool := bundriver.New(db)
	p, err := producer.New(producer.Config{Pool: pool})
	if err != nil {
		log.Fatal(err)
	}
	cl, err := client.New(client.Config{Pool: pool})
	if err != nil {
		log.Fatal(err)
	}
	return db, p, cl
}
