package client_test

import "log"

import "github.com/jmoiron/sqlx"

import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/internal/testfixture/examples"
import "github.com/yakser/asynqpg/producer"

// connect opens the database the examples run against (DATABASE_URL) and
// a Producer and a Client on it.
func connect() (*sqlx.DB, *producer.Producer, *client.Client) {
	return examples.Connect()
}

// must returns v, and ends the example on err.
func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}
