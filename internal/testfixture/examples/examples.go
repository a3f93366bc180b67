// Package examples holds the set-up that the runnable examples of several
// packages share: a connection to the database they run against
// (DATABASE_URL, which testdb.MainWithURL points at a migrated database),
// the Producer and the Client they enqueue and look tasks up with, the
// application's own table that some of them write beside a task, and the
// printing of a task's type and status. Any error ends the example, as
// log.Fatal does in an example's own body.
package examples

import "context"
import "fmt"
import "log"
import "os"

import _ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
import "github.com/jmoiron/sqlx"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/producer"

// Open connects a *sqlx.DB, on pgx's database/sql driver, to the database
// the examples run against (DATABASE_URL).
func Open() *sqlx.DB {
	return must(sqlx.Connect("pgx", os.Getenv("DATABASE_URL")))
}

// Connect opens the database as Open does, and a Producer and a Client on
// it.
func Connect() (*sqlx.DB, *producer.Producer, *client.Client) {
	db := Open()
	p, cl := ProducerAndClient(db)
	return db, p, cl
}

// ProducerAndClient creates a Producer and a Client, with their default
// settings, on pool.
func ProducerAndClient(pool asynqpg.Pool) (*producer.Producer, *client.Client) {
	return must(producer.New(producer.Config{Pool: pool})), must(client.New(client.Config{Pool: pool}))
}

// CreateAccounts creates, unless it exists, the table of the application
// whose transactions the examples enqueue in: accounts (id, email), id
// generated.
func CreateAccounts(ctx context.Context, q asynqpg.Querier) {
	must(q.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS accounts (
		id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL)`))
}

// PrintTask prints the type and the status of task id, as cl reads them.
func PrintTask(ctx context.Context, cl *client.Client, id int64) {
	task := must(cl.GetTask(ctx, id))
	fmt.Println(task.Type, task.Status)
}

// must returns v, and ends the example on err.
func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}
