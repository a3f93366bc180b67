package bundriver_test

import "database/sql"
import "log"
import "os"

import _ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
import "github.com/uptrace/bun"
import "github.com/uptrace/bun/dialect/pgdialect"

import "github.com/yakser/asynqpg/client"
import bundriver "github.com/yakser/asynqpg/driver/bun"
import "github.com/yakser/asynqpg/internal/testfixture/examples"
import "github.com/yakser/asynqpg/producer"

// must returns v, and ends the example on err.
func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}

// connect opens a *bun.DB on the database the examples run against
// (DATABASE_URL), and a Producer and a Client on its adapter.
func connect() (*bun.DB, *producer.Producer, *client.Client) {
	db := bun.NewDB(must(sql.Open("pgx", os.Getenv("DATABASE_URL"))), pgdialect.New())
	p, cl := examples.ProducerAndClient(bundriver.New(db))
	return db, p, cl
}
