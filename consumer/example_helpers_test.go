package consumer_test

import "log"

import "github.com/yakser/asynqpg/consumer"

// start starts c and returns what stops it: Stop, whose error it logs.
func start(c *consumer.Consumer) (stop func()) {
	if err := c.Start(); err != nil {
		log.Fatal(err)
	}
	return func() {
		if err := c.Stop(); err != nil {
			log.Print(err)
		}
	}
}

// must returns v, and ends the example on err.
func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}
