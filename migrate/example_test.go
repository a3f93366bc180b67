package migrate_test

import "context"
import "database/sql"
import "fmt"
import "log"
import "os"

import "github.com/jackc/pgx/v5/pgxpool"
import "github.com/jackc/pgx/v5/stdlib"
import "github.com/pressly/goose/v3"

import "github.com/yakser/asynqpg/migrate"

// Apply the asynqpg schema at startup. Up is idempotent and safe to run
// from many processes at once; Status tells what is applied.
func ExampleUp() {
	ctx := context.Background()
	db := must(sql.Open("pgx", os.Getenv("DATABASE_URL")))
	defer db.Close()

	if err := migrate.Up(ctx, db); err != nil {
		log.Fatal(err)
	}

	statuses, err := migrate.Status(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	pending := 0
	for _, s := range statuses {
		if s.State == goose.StatePending {
			pending++
		}
	}
	fmt.Println("pending migrations:", pending)
	// Output: pending migrations: 0
}

// goose needs a *sql.DB: with a pgx pool, open one on the pool. (bun users
// pass bunDB.DB, sqlx users sqlxDB.DB.)
func ExampleUp_pgxPool() {
	ctx := context.Background()
	pool := must(pgxpool.New(ctx, os.Getenv("DATABASE_URL")))
	defer pool.Close()

	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	if err := migrate.Up(ctx, db); err != nil {
		log.Fatal(err)
	}

	var migrated bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('asynqpg_tasks') IS NOT NULL`).Scan(&migrated); err != nil {
		log.Fatal(err)
	}
	fmt.Println("asynqpg_tasks exists:", migrated)
	// Output: asynqpg_tasks exists: true
}
