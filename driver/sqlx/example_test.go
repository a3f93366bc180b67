package sqlxdriver_test

import (
	"context"
	"log"
	"os"

	"github.com/jmoiron/sqlx"

	"github.com/yakser/asynqpg"
	sqlxdriver "github.com/yakser/asynqpg/driver/sqlx"
	"github.com/yakser/asynqpg/producer"
)

// Enqueue a task with a *sqlx.DB on pgx's stdlib driver ("postgres" for
// lib/pq), and another inside the application's own transaction.
func ExampleNew() {
	ctx := context.Background()
	db, err := sqlx.Open("pgx", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	p, err := producer.New(producer.Config{Pool: sqlxdriver.New(db)})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := p.Enqueue(ctx, asynqpg.NewTask("email:welcome", []byte(`{"user_id":42}`))); err != nil {
		log.Fatal(err)
	}

	// A *sqlx.Tx is a Querier as it is: the task becomes visible when the
	// transaction commits.
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE users SET verified = true WHERE id = $1`, 42); err != nil {
		log.Fatal(err)
	}
	if _, err := p.EnqueueTx(ctx, tx, asynqpg.NewTask("email:verified", []byte(`{"user_id":42}`))); err != nil {
		log.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		log.Fatal(err)
	}
}
