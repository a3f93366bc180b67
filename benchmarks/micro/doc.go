// Package micro holds go test -bench micro-benchmarks of asynqpg's hot
// paths on a real PostgreSQL server: claiming a batch, writing a batch of
// outcomes, inserting a batch, and dispatching tasks to handlers. Each
// runs through every driver, with allocations reported:
//
//	cd benchmarks && go test -run '^$' -bench . -benchmem ./micro
//
// The server is found like the tests find theirs (DATABASE_URL,
// TEST_DATABASE_URL, a password-less server on 127.0.0.1:5432, or a
// throw-away cluster); every benchmark gets a fresh database.
package micro
