package bundriver_test

import "context"
import "database/sql"
import "fmt"
import "log"
import "os"

import "github.com/uptrace/bun"
import "github.com/uptrace/bun/dialect/pgdialect"

import "github.com/yakser/asynqpg"
import bundriver "github.com/yakser/asynqpg/driver/bun"
import "github.com/yakser/asynqpg/internal/testfixture/examples"

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
	examples.PrintTask(ctx, cl, id)
	// Output: email:verified pending
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

	tx := must(db.BeginTx(ctx, nil))
	defer func() { _ = tx.Rollback() }()
	account := &Account{Email: "ada@example.com"}
	if _, err := tx.NewInsert().Model(account).Exec(ctx); err != nil {
		log.Fatal(err)
	}
	task := asynqpg.NewTask("email:welcome", fmt.Appendf(nil, `{"account":%d}`, account.ID))
	id := must(p.EnqueueTx(ctx, bundriver.NewTx(tx), task))
	if err := tx.Commit(); err != nil {
		log.Fatal(err)
	}

	info := must(cl.GetTask(ctx, id))
	fmt.Println(info.Type, info.Status, account.ID > 0)
	// Output: email:welcome pending true
}

// Enqueue a task with bun on pgx's stdlib driver.
func ExampleNew() {
	ctx := context.Background()
	sqldb := must(sql.Open("pgx", os.Getenv("DATABASE_URL")))
	db := bun.NewDB(sqldb, pgdialect.New())
	defer db.Close()

	// New makes db the asynqpg.Pool of producer.Config, consumer.Config and
	// client.Config: here a Producer and a Client use it.
	p, cl := examples.ProducerAndClient(bundriver.New(db))
	id := must(p.Enqueue(ctx, asynqpg.NewTask("email:send", []byte(`{"to":"user@example.com"}`))))
	examples.PrintTask(ctx, cl, id)
	// Output: email:send pending
}
