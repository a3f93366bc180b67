package bundriver_test

import (
	"context"
	"database/sql"
	"log"
	"os"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/yakser/asynqpg"
	bundriver "github.com/yakser/asynqpg/driver/bun"
	"github.com/yakser/asynqpg/producer"
)

// Enqueue a task with bun on pgx's stdlib driver, and another inside a bun
// transaction.
func ExampleNew() {
	ctx := context.Background()
	sqldb, err := sql.Open("pgx", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	db := bun.NewDB(sqldb, pgdialect.New())
	defer db.Close()

	p, err := producer.New(producer.Config{Pool: bundriver.New(db)})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := p.Enqueue(ctx, asynqpg.NewTask("email:welcome", []byte(`{"user_id":42}`))); err != nil {
		log.Fatal(err)
	}

	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewUpdate().Table("users").Set("verified = true").Where("id = ?", 42).Exec(ctx); err != nil {
			return err
		}
		_, err := p.EnqueueTx(ctx, bundriver.NewTx(tx), asynqpg.NewTask("email:verified", []byte(`{"user_id":42}`)))
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
}
