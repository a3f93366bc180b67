package pgxv5driver_test

import "context"
import "log"
import "os"

import "github.com/jackc/pgx/v5/pgxpool"

import "github.com/yakser/asynqpg/client"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
import "github.com/yakser/asynqpg/internal/testfixture/examples"
import "github.com/yakser/asynqpg/producer"

// connect opens a pgx pool on the database the examples run against
// (DATABASE_URL), and a Producer and a Client on its adapter.
func connect(ctx context.Context) (*pgxpool.Pool, *producer.Producer, *client.Client) {
	pool := must(pgxpool.New(ctx, os.Getenv("DATABASE_URL")))
	p, cl := examples.ProducerAndClient(pgxv5driver.New(pool))
	return pool, p, cl
}

// must returns v, and ends the example on err.
func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}
