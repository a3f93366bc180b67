// Package reliability holds asynqpg's fault-injection test suite and the
// small tools it needs.
//
// Every test handler of the suite writes one row per execution to a ledger
// table whose primary key is (task_id, attempt), where attempt is the number
// of attempts the task had made when the execution began. Lost and
// duplicated executions are therefore counted from the database, not
// guessed:
//
//   - lost: a task that was enqueued (committed) but is not completed at
//     the end, or that no handler ever executed;
//   - duplicate: an execution of a (task, attempt) pair that had already
//     executed; no fault explains it, since every fault that makes a task
//     run again (a killed consumer, an expired lease, a rescue) counts an
//     attempt first;
//   - re-execution: an execution of a task beyond its first; each scenario
//     states the bound the fault it injects allows.
//
// The scenarios are the tests of this package: a fault-free run at scale, a
// consumer killed with SIGKILL, a handler outliving its lease, a completion
// racing the rescuer, a PostgreSQL restart, terminated connections, a
// network partition (through internal/faultproxy), leader failover and
// clock skew, a 50 ms statement_timeout, PgBouncer in transaction pooling
// mode, payloads at the size limit, fuzz targets, concurrent migrations,
// and start/stop stress. `go test ./reliability` runs them in a shortened form;
// ASYNQPG_RELIABILITY=full (make test-reliability) runs the full sizes.
// docs/GUARANTEES.md states the guarantees they prove.
package reliability
