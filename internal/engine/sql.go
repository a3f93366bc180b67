package engine

// Every SQL statement asynqpg runs is in this file, in sql_claim.go
// (claiming tasks and recording the outcomes of attempts) and in
// sql_schedule.go (unique tasks, paused types, periodic tasks, global
// concurrency limits).
//
// Conventions (see package driver): parameters are int64, string, []byte,
// bool, pointers for NULL and the arrays []int64, []string, [][]byte;
// durations and instants that travel in arrays are microseconds (int64),
// turned into intervals and timestamps here; every lease, cut-off and term
// uses the database clock, now(). An attempt is identified by its task ID
// and its attempted_at in Unix microseconds (the "attempt key"), and every
// write about an attempt is guarded by both, so a consumer whose lease
// expired, or whose task was cancelled or deleted, changes nothing.

// Channels used with LISTEN/NOTIFY.
const (
	// ChannelNewTask carries the type of newly ready tasks.
	ChannelNewTask = "asynqpg_new_task"
	// ChannelCancel carries the ID of a running task that was cancelled.
	ChannelCancel = "asynqpg_cancel"
)

// taskColumns are the columns of a full task row, in scanTask order.
const taskColumns = `id, type, payload, status, idempotency_token, messages, blocked_till,
	attempts_left, attempts_elapsed, created_at, updated_at, finalized_at, attempted_at, priority`

const (
	// sqlInsertTask inserts one task, or finds the existing one with the
	// same (type, idempotency_token).
	// $1 type, $2 payload, $3 idempotency token (NULL for none),
	// $4 attempts, $5 process_at as text (NULL for none), $6 delay in microseconds,
	// $7 trace context (JSON text, NULL for none), $8 priority, $9 unique
	// period in microseconds (0 for none; see uniqueKey).
	// Returns (id, inserted). No row means a concurrent duplicate that this
	// statement's snapshot cannot see yet: run it again. A task that is
	// both tokened and unique may find two; the first is the answer.
	sqlInsertTask = `
WITH ins AS (
	INSERT INTO asynqpg_tasks (type, payload, idempotency_token, attempts_left, blocked_till, trace_context,
		priority, unique_key)
	VALUES ($1, $2, $3, $4, COALESCE($5::text::timestamptz, now() + $6::bigint * interval '1 microsecond'), $7::text::jsonb,
		$8, ` + uniqueKeyOfParams + `)
	ON CONFLICT DO NOTHING
	RETURNING id, blocked_till <= now() AS ready
), notified AS (
	SELECT pg_notify('` + ChannelNewTask + `', $1) FROM ins WHERE ins.ready
)
SELECT ins.id, true FROM ins WHERE (SELECT count(*) FROM notified) >= 0
UNION ALL
SELECT t.id, false FROM asynqpg_tasks t
WHERE $3::text IS NOT NULL AND t.type = $1 AND t.idempotency_token = $3
	AND NOT EXISTS (SELECT 1 FROM ins)
UNION ALL
SELECT t.id, false FROM asynqpg_tasks t
WHERE $9::bigint > 0 AND t.type = $1 AND t.unique_key = ` + uniqueKeyOfParams + ` AND ` + uniqueLive + `
	AND NOT EXISTS (SELECT 1 FROM ins)`

	// sqlInsertTasks inserts a batch in one statement. Tasks whose
	// (type, idempotency_token) exists already, or repeats an earlier
	// task of the same batch, are skipped. One notification per ready type.
	// $1 types, $2 payloads, $3 tokens ('' for none), $4 attempts,
	// $5 process_at as text ('' for none; text is exact for every
	// instant, where microseconds in an interval lose precision past
	// 2255), $6 delays in microseconds, $7 trace contexts (JSON text, ''
	// for none), $8 priorities, $9 unique periods in microseconds (0 for
	// none). Every array but the payloads' holds one element when the
	// batch's tasks all have the same value (the shorter arrays of unnest
	// are padded with NULL, which the first element stands for). Returns
	// the new IDs, with their types, in ascending order. Of
	// several tasks of the batch with the same type and token, or unique
	// key, the first is inserted (the parentheses keep ORDER BY with
	// DISTINCT ON, not with the UNION; the insert runs in batch order).
	sqlInsertTasks = `
WITH input AS (
	SELECT i.type, i.payload, NULLIF(i.token, '') AS token, i.attempts, i.process_at, i.delay_us,
		NULLIF(i.trace_context, '')::jsonb AS trace_context, i.ord, i.priority,
		` + uniqueKeyOfBatch + ` AS unique_key
	FROM (SELECT COALESCE(u.type, ($1::text[])[1]) AS type, u.payload,
			COALESCE(u.token, ($3::text[])[1]) AS token,
			COALESCE(u.attempts, ($4::bigint[])[1]) AS attempts,
			COALESCE(u.process_at, ($5::text[])[1]) AS process_at,
			COALESCE(u.delay_us, ($6::bigint[])[1]) AS delay_us,
			COALESCE(u.trace_context, ($7::text[])[1]) AS trace_context,
			COALESCE(u.priority, ($8::bigint[])[1]) AS priority,
			COALESCE(u.unique_us, ($9::bigint[])[1]) AS unique_us, u.ord
		FROM unnest($1::text[], $2::bytea[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::text[],
			$8::bigint[], $9::bigint[])
			WITH ORDINALITY AS u(type, payload, token, attempts, process_at, delay_us, trace_context, priority,
				unique_us, ord)) i
), dedup AS (
	SELECT * FROM input WHERE token IS NULL
	UNION ALL
	(SELECT DISTINCT ON (type, token) * FROM input WHERE token IS NOT NULL ORDER BY type, token, ord)
), ins AS (
	INSERT INTO asynqpg_tasks (type, payload, idempotency_token, attempts_left, blocked_till, trace_context,
		priority, unique_key)
	SELECT d.type, d.payload, d.token, d.attempts,
		COALESCE(NULLIF(d.process_at, '')::timestamptz, now() + d.delay_us * interval '1 microsecond'),
		d.trace_context, d.priority, d.unique_key
	FROM dedup d ORDER BY d.ord
	ON CONFLICT DO NOTHING` + sqlInsertedNotify

	// sqlInsertTasksUntokened is sqlInsertTasks for a batch in which no
	// task has an idempotency token: nothing to deduplicate, no conflict
	// to check (nor a unique one). $1 types, $2 payloads, $3 attempts, $4
	// process_at as text ('' for none), $5 delays in microseconds, $6 trace
	// contexts ('' for none), $7 priorities; every array but the
	// payloads' may hold one element for all, as in sqlInsertTasks.
	// Returns the new IDs in ascending order.
	sqlInsertTasksUntokened = `
WITH ins AS (
	INSERT INTO asynqpg_tasks (type, payload, attempts_left, blocked_till, trace_context, priority)
	SELECT COALESCE(i.type, ($1::text[])[1]), i.payload, COALESCE(i.attempts, ($3::bigint[])[1]),
		COALESCE(NULLIF(COALESCE(i.process_at, ($4::text[])[1]), '')::timestamptz,
			now() + COALESCE(i.delay_us, ($5::bigint[])[1]) * interval '1 microsecond'),
		NULLIF(COALESCE(i.trace_context, ($6::text[])[1]), '')::jsonb, COALESCE(i.priority, ($7::bigint[])[1])
	FROM unnest($1::text[], $2::bytea[], $3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::bigint[])
		AS i(type, payload, attempts, process_at, delay_us, trace_context, priority)` + sqlInsertedNotify

	// sqlInsertedNotify ends the insert statements, whose CTE ins
	// inserts: it notifies ChannelNewTask once for each type with a task
	// ready now, and returns the new IDs and their types in ascending
	// order; the types as '' when $1 holds one type for all.
	sqlInsertedNotify = `
	RETURNING id, type, blocked_till <= now() AS ready
), notified AS (
	SELECT pg_notify('` + ChannelNewTask + `', r.type) FROM (SELECT DISTINCT type FROM ins WHERE ready) r
)
SELECT id, CASE WHEN cardinality($1::text[]) = 1 THEN '' ELSE type END FROM ins
WHERE (SELECT count(*) FROM notified) >= 0 ORDER BY id`

	// sqlRescueStuck returns up to $2 running tasks whose lease passed more
	// than $1 microseconds ago to pending, counting the lost attempt, or
	// fails them when it was the last. Locks and re-checks each row in the
	// same statement, so a task that completes meanwhile stays completed.
	// Fenced: when $3 (leader name) is not NULL, it changes nothing unless
	// $4 holds an unexpired term of $3 by the database clock, so a leader
	// that was frozen past its term does no maintenance when it resumes.
	// $5 limits it to tasks of those types (an empty array: every type).
	sqlRescueStuck = `
WITH stuck AS (
	SELECT id FROM asynqpg_tasks
	WHERE status = 'running' AND blocked_till < now() - $1::bigint * interval '1 microsecond'
		AND (cardinality($5::text[]) = 0 OR type = ANY($5::text[]))
		AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM asynqpg_leader l
			WHERE l.name = $3 AND l.leader_id = $4::text AND l.expires_at > now()))
	ORDER BY blocked_till
	LIMIT $2
	FOR NO KEY UPDATE SKIP LOCKED
)
UPDATE asynqpg_tasks t SET
	status = CASE WHEN t.attempts_left > 1 THEN 'pending' ELSE 'failed' END,
	attempts_left = greatest(t.attempts_left - 1, 0),
	attempts_elapsed = t.attempts_elapsed + 1,
	messages = array_append(t.messages, 'rescued: the attempt was stuck in running past its lease'),
	blocked_till = now(),
	finalized_at = CASE WHEN t.attempts_left > 1 THEN NULL ELSE now() END,
	updated_at = now()
FROM stuck
WHERE t.id = stuck.id AND t.status = 'running'
RETURNING ` + `t.id, t.type, t.payload, t.status, t.idempotency_token, t.messages, t.blocked_till,
	t.attempts_left, t.attempts_elapsed, t.created_at, t.updated_at, t.finalized_at, t.attempted_at, t.priority`

	// sqlCleanFinalized deletes up to $3 tasks in status $1 finalized more
	// than $2 microseconds ago. Returns the number deleted. Fenced like
	// sqlRescueStuck by $4 (leader name, NULL for none) and $5 (leader).
	sqlCleanFinalized = `
DELETE FROM asynqpg_tasks WHERE id IN (
	SELECT id FROM asynqpg_tasks
	WHERE status = $1 AND finalized_at < now() - $2::bigint * interval '1 microsecond'
		AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM asynqpg_leader l
			WHERE l.name = $4 AND l.leader_id = $5::text AND l.expires_at > now()))
	LIMIT $3
	FOR UPDATE SKIP LOCKED)`

	// sqlElectLeader makes $2 the leader of $1 for $3 microseconds when
	// there is no leader or the term of the last one expired.
	// Returns the term's expiry and the database time.
	sqlElectLeader = `
INSERT INTO asynqpg_leader AS l (name, leader_id, elected_at, expires_at)
VALUES ($1, $2, now(), now() + $3::bigint * interval '1 microsecond')
ON CONFLICT (name) DO UPDATE SET leader_id = EXCLUDED.leader_id, elected_at = now(), expires_at = EXCLUDED.expires_at
WHERE l.expires_at < now()
RETURNING l.expires_at, now()`

	// sqlRenewLeader extends the term of leader $2 of $1 by $3 microseconds
	// from now, if $2 is still the leader. Returns the new expiry and the
	// database time.
	sqlRenewLeader = `
UPDATE asynqpg_leader SET expires_at = now() + $3::bigint * interval '1 microsecond'
WHERE name = $1 AND leader_id = $2 AND expires_at >= now()
RETURNING expires_at, now()`

	// sqlResignLeader ends the term of leader $2 of $1.
	sqlResignLeader = `DELETE FROM asynqpg_leader WHERE name = $1 AND leader_id = $2`

	// sqlGetTask reads one task.
	sqlGetTask = `SELECT ` + taskColumns + ` FROM asynqpg_tasks WHERE id = $1`

	// sqlLockTask reads one task and locks it for a state change.
	sqlLockTask = `SELECT ` + taskColumns + ` FROM asynqpg_tasks WHERE id = $1 FOR UPDATE`

	// sqlCancelTask cancels task $1; the caller checked its status.
	// Notifies consumers when it was running.
	sqlCancelTask = `
UPDATE asynqpg_tasks SET status = 'cancelled', finalized_at = now(), updated_at = now()
WHERE id = $1
RETURNING ` + taskColumns + `, CASE WHEN $2::bool THEN pg_notify('` + ChannelCancel + `', id::text)::text END`

	// sqlRetryTask makes failed or cancelled task $1 pending and ready now,
	// with at least one attempt left; the caller checked its status. The
	// task gives up its unique key: another task may hold its window by
	// now.
	sqlRetryTask = `
UPDATE asynqpg_tasks SET status = 'pending', finalized_at = NULL, blocked_till = now(),
	attempts_left = greatest(attempts_left, 1), unique_key = NULL, updated_at = now()
WHERE id = $1
RETURNING ` + taskColumns + `, pg_notify('` + ChannelNewTask + `', type)::text`

	// sqlDeleteTask deletes task $1; the caller checked its status.
	sqlDeleteTask = `DELETE FROM asynqpg_tasks WHERE id = $1 RETURNING ` + taskColumns

	// sqlListTasksWhere filters a list: $1 ids, $2 statuses, $3 types (an
	// empty array does not filter), $4 and $5 the first and last
	// created_at (NULL: unbounded), $6 whether the task has an idempotency
	// token (NULL: either).
	sqlListTasksWhere = `
WHERE (cardinality($1::bigint[]) = 0 OR id = ANY($1::bigint[]))
	AND (cardinality($2::text[]) = 0 OR status = ANY($2::text[]))
	AND (cardinality($3::text[]) = 0 OR type = ANY($3::text[]))
	AND ($4::timestamptz IS NULL OR created_at >= $4::timestamptz)
	AND ($5::timestamptz IS NULL OR created_at <= $5::timestamptz)
	AND ($6::bool IS NULL OR (idempotency_token IS NOT NULL) = $6::bool)`

	// sqlListTasksPrefix and the ORDER BY built from a fixed set of
	// columns and directions, then LIMIT $7 OFFSET $8, list tasks. The
	// last column is the total count of matching rows.
	sqlListTasksPrefix = `SELECT ` + taskColumns + `, count(*) OVER () FROM asynqpg_tasks` + sqlListTasksWhere

	// sqlCountTasks counts the tasks matching the list filters, for a page
	// past the end.
	sqlCountTasks = `SELECT count(*) FROM asynqpg_tasks` + sqlListTasksWhere
)

// Schema.
const (
	// sqlCheckSchema names, comma-separated, the relations and columns of
	// the newest migration that the database lacks; '' when it has them
	// all. Relations are looked up on the search_path, as every other
	// statement does.
	sqlCheckSchema = `
SELECT concat_ws(', ',
	CASE WHEN to_regclass('asynqpg_tasks') IS NULL THEN 'table asynqpg_tasks' END,
	CASE WHEN to_regclass('asynqpg_leader') IS NULL THEN 'table asynqpg_leader' END,
	CASE WHEN to_regclass('asynqpg_tasks') IS NOT NULL AND NOT EXISTS (
		SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('asynqpg_tasks')
			AND attname = 'trace_context' AND NOT attisdropped)
		THEN 'column asynqpg_tasks.trace_context' END,
	CASE WHEN to_regclass('asynqpg_tasks_claim_idx') IS NULL THEN 'index asynqpg_tasks_claim_idx' END,
	CASE WHEN to_regclass('asynqpg_tasks') IS NOT NULL AND NOT EXISTS (
		SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('asynqpg_tasks')
			AND attname = 'unique_key' AND NOT attisdropped)
		THEN 'column asynqpg_tasks.unique_key' END,
	CASE WHEN to_regclass('asynqpg_paused_types') IS NULL THEN 'table asynqpg_paused_types' END,
	CASE WHEN to_regclass('asynqpg_periodic') IS NULL THEN 'table asynqpg_periodic' END,
	CASE WHEN to_regclass('asynqpg_consumers') IS NULL THEN 'table asynqpg_consumers' END)`
)

// Queue health (package observability reads it for its gauges).
const (
	// sqlQueueStats reads, in one statement, the number of tasks of every
	// type in every status but completed, and for pending tasks how long
	// the oldest ready one (blocked_till passed) has been ready, in
	// microseconds (0 when none is). Completed tasks are not counted: they
	// are the bulk of a table that retains them, and counting them would
	// read all of it; pending and running rows are found through the
	// partial claim index, failed and cancelled ones through the
	// (status, type, id) index, so the cost follows the rows counted, not
	// the rows retained. Returns (type, status, count, oldest ready age).
	sqlQueueStats = `
SELECT type, status, count(*),
	COALESCE((extract(epoch FROM now() - min(blocked_till) FILTER (WHERE status = 'pending' AND blocked_till <= now()))
		* 1000000)::bigint, 0)
FROM asynqpg_tasks WHERE status IN ('pending', 'running') GROUP BY type, status
UNION ALL
SELECT type, status, count(*), 0 FROM asynqpg_tasks WHERE status IN ('failed', 'cancelled') GROUP BY type, status`
)
