package pgxv5driver_test

import (
	"context"
	"log"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/yakser/asynqpg"
	pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
	"github.com/yakser/asynqpg/producer"
)

// Enqueue a task with a pgx pool.
func ExampleNew() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	p, err := producer.New(producer.Config{Pool: pgxv5driver.New(pool)})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := p.Enqueue(ctx, asynqpg.NewTask("email:welcome", []byte(`{"user_id":42}`))); err != nil {
		log.Fatal(err)
	}
}

// Enqueue a task inside the application's pgx transaction: it becomes
// visible when the transaction commits, and never if it rolls back.
func ExampleNewTx() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	p, err := producer.New(producer.Config{Pool: pgxv5driver.New(pool)})
	if err != nil {
		log.Fatal(err)
	}

	tx, err := pool.Begin(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `UPDATE users SET verified = true WHERE id = $1`, 42); err != nil {
		log.Fatal(err)
	}
	if _, err := p.EnqueueTx(ctx, pgxv5driver.NewTx(tx), asynqpg.NewTask("email:verified", []byte(`{"user_id":42}`))); err != nil {
		log.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		log.Fatal(err)
	}
}
