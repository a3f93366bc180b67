package producer_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/producer"
)

func ExampleNew() {
	db, err := sqlx.Connect("postgres", "postgres://postgres:password@localhost:5432/asynqpg?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	p, err := producer.New(producer.Config{Pool: db, DefaultMaxRetry: 5})
	if err != nil {
		log.Fatal(err)
	}
	_ = p
}

func ExampleProducer_Enqueue() {
	db, err := sqlx.Connect("postgres", "postgres://postgres:password@localhost:5432/asynqpg?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	p, err := producer.New(producer.Config{Pool: db})
	if err != nil {
		log.Fatal(err)
	}
	task := asynqpg.NewTask("email:send", []byte(`{"to":"user@example.com"}`),
		asynqpg.WithMaxRetry(5),
		asynqpg.WithDelay(10*time.Second),
		asynqpg.WithIdempotencyToken("welcome-user-42"),
	)
	id, err := p.Enqueue(context.Background(), task)
	if errors.Is(err, producer.ErrDuplicateTask) {
		log.Printf("already enqueued as task %d", id)
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("enqueued task %d", id)
}

func ExampleProducer_EnqueueTx() {
	ctx := context.Background()
	db, err := sqlx.Connect("postgres", "postgres://postgres:password@localhost:5432/asynqpg?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	p, err := producer.New(producer.Config{Pool: db})
	if err != nil {
		log.Fatal(err)
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `UPDATE users SET verified = true WHERE id = $1`, 42); err != nil {
		log.Fatal(err)
	}
	// The task exists if and only if the update commits.
	if _, err := p.EnqueueTx(ctx, tx, asynqpg.NewTask("email:welcome", []byte(`{"user":42}`))); err != nil {
		log.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		log.Fatal(err)
	}
}

// Bad input is rejected before anything is written; in a batch the error
// names the index of the bad task.
func ExampleProducer_EnqueueMany_invalidTask() {
	// sqlx.Open connects lazily: nothing reaches a database here.
	db, err := sqlx.Open("postgres", "postgres://postgres:password@localhost:5432/asynqpg?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	p, err := producer.New(producer.Config{Pool: db})
	if err != nil {
		log.Fatal(err)
	}
	_, err = p.EnqueueMany(context.Background(), []*asynqpg.Task{
		asynqpg.NewTask("email:send", []byte(`{}`)),
		asynqpg.NewTask("email:send", nil),
	})
	fmt.Println(err)
	fmt.Println(errors.Is(err, producer.ErrInvalidTask))

	var invalid *producer.InvalidTaskError
	if errors.As(err, &invalid) {
		fmt.Println(invalid.Index)
	}
	// Output:
	// producer: task 1: nil payload (use an empty slice for no payload)
	// true
	// 1
}

// Options override fields of a task for one call; the task itself is not
// changed, so it can serve as a template.
func ExampleWithDelay() {
	db, err := sqlx.Connect("postgres", "postgres://postgres:password@localhost:5432/asynqpg?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	p, err := producer.New(producer.Config{Pool: db})
	if err != nil {
		log.Fatal(err)
	}
	reminder := asynqpg.NewTask("reminder:send", []byte(`{"user":42}`))
	for _, after := range []time.Duration{time.Hour, 24 * time.Hour} {
		if _, err := p.Enqueue(context.Background(), reminder, producer.WithDelay(after)); err != nil {
			log.Fatal(err)
		}
	}
}
