package asynqpgtest_test

import "log"

import "github.com/jmoiron/sqlx"

import "github.com/yakser/asynqpg/internal/testfixture/examples"
import "github.com/yakser/asynqpg/producer"

// begin connects to the database the examples run against (DATABASE_URL),
// creates a Producer on it and begins a transaction, as the code under
// test would.
func begin() (*sqlx.DB, *producer.Producer, *sqlx.Tx) {
	db, p, _ := examples.Connect()
	return db, p, must(db.Beginx())
}

// must returns v, and ends the example on err.
func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}
