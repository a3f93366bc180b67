// Package engine is the driver-neutral core of asynqpg: enqueueing,
// claiming, recording outcomes, retries and snoozes, cancellation, lease
// expiry, rescue, cleanup and leader election. It runs every statement
// (all of them in sql.go and sql_claim.go) through a [driver.Executor], so each behaviour is
// written once for every supported driver. The public packages producer,
// consumer and client are thin fronts over it.
package engine
