package engine

// The statements of consumer heartbeats: each running consumer keeps a row
// of asynqpg_consumers (migration 7) with the task types it serves, and
// the client lists the live ones and the types no live one serves
// (conventions: see sql.go).

const (
	// consumerLive holds for a row c of asynqpg_consumers whose consumer
	// is live: its last heartbeat is younger than its liveness window.
	consumerLive = `c.expires_at > now()`

	// sqlBeatConsumer writes the row of consumer $1, creating it or
	// renewing it: $2 host name, $3 process ID, $4 workers (JSON object
	// text: task type to number of workers), $5 liveness window in
	// microseconds, $6 started_at (NULL: now(), for the first heartbeat of
	// a start). The row is live for $5 from now. Returns the row's
	// started_at.
	sqlBeatConsumer = `
INSERT INTO asynqpg_consumers AS c (id, hostname, pid, workers, started_at, heartbeat_at, expires_at)
VALUES ($1, $2, $3, $4::text::jsonb, COALESCE($6::timestamptz, now()), now(),
	now() + $5::bigint * interval '1 microsecond')
ON CONFLICT (id) DO UPDATE SET
	hostname = EXCLUDED.hostname,
	pid = EXCLUDED.pid,
	workers = EXCLUDED.workers,
	started_at = EXCLUDED.started_at,
	heartbeat_at = EXCLUDED.heartbeat_at,
	expires_at = EXCLUDED.expires_at
RETURNING c.started_at`

	// sqlDeleteStaleConsumers deletes the rows of consumers that are no
	// longer live, but that of consumer $1 (the caller, whose row may
	// have expired while it was cut off), skipping rows another
	// transaction holds. Run on its
	// own, not with sqlBeatConsumer: two consumers that each delete the
	// row of the other while writing their own would deadlock.
	sqlDeleteStaleConsumers = `
DELETE FROM asynqpg_consumers WHERE id IN (
	SELECT c.id FROM asynqpg_consumers c WHERE NOT ` + consumerLive + ` AND c.id <> $1
	FOR UPDATE SKIP LOCKED)`

	// sqlDeleteConsumer deletes the row of consumer $1.
	sqlDeleteConsumer = `DELETE FROM asynqpg_consumers WHERE id = $1`

	// sqlListConsumers returns the live consumers, oldest first: (id,
	// hostname, pid, workers as JSON text, started_at, heartbeat_at).
	sqlListConsumers = `
SELECT c.id, c.hostname, c.pid, c.workers::text, c.started_at, c.heartbeat_at
FROM asynqpg_consumers c
WHERE ` + consumerLive + `
ORDER BY c.started_at, c.id`

	// sqlListUnservedTypes returns, in name order, the task types that
	// have a pending task ready now (blocked_till passed) and no live
	// consumer serving them. The distinct types of pending tasks are
	// found by a loose index scan of the claim index (one probe per type,
	// however many tasks a type has); a type is then checked against the
	// live consumers first, and only an unserved one for a ready task, in
	// the order of the claim index: it stops at the first one found, and
	// reads the type's pending entries at worst, when none is ready. (A
	// scalar subquery with ORDER BY keeps the planner on the index; it
	// drops the ORDER BY of an EXISTS.)
	sqlListUnservedTypes = `
WITH RECURSIVE pending_types(type) AS (
	(SELECT type FROM asynqpg_tasks WHERE status = 'pending' ORDER BY type LIMIT 1)
	UNION ALL
	SELECT (SELECT t.type FROM asynqpg_tasks t
		WHERE t.status = 'pending' AND t.type > p.type ORDER BY t.type LIMIT 1)
	FROM pending_types p WHERE p.type IS NOT NULL
)
SELECT p.type FROM pending_types p
WHERE p.type IS NOT NULL AND CASE
	WHEN EXISTS (SELECT 1 FROM asynqpg_consumers c
		WHERE ` + consumerLive + ` AND c.workers -> p.type IS NOT NULL) THEN false
	ELSE (SELECT true FROM asynqpg_tasks t
		WHERE t.status = 'pending' AND t.type = p.type AND t.blocked_till <= now()
		ORDER BY ` + claimRank + ` DESC, t.blocked_till LIMIT 1) IS NOT NULL
	END
ORDER BY p.type`
)
