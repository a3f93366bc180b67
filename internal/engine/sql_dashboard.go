package engine

// Statements of the dashboard (package ui): counts for its overview, bulk
// actions on failed tasks, the current leader and its sessions. The
// conventions are those of sql.go.

// Task counts.
const (
	// sqlCountByTypeStatus counts every task by type and status: exact,
	// and a scan of the whole table. Returns (type, status, count).
	sqlCountByTypeStatus = `SELECT type, status, count(*) FROM asynqpg_tasks GROUP BY type, status`

	// sqlTableSize reads the planner's row estimate of asynqpg_tasks (-1
	// when the table was never analyzed) and its size on disk in bytes,
	// without reading the table. No row when the table does not exist.
	sqlTableSize = `
SELECT c.reltuples::float8, pg_relation_size(c.oid)
FROM pg_class c WHERE c.oid = to_regclass('asynqpg_tasks')`

	// sqlColumnFrequencies reads, from the planner's statistics, the most
	// common values of the status and type columns of asynqpg_tasks and the
	// fraction of rows each takes. Returns (column, value, fraction); no
	// rows before the table is first analyzed.
	sqlColumnFrequencies = `
SELECT s.attname::text, v.val, v.freq
FROM pg_stats s
JOIN pg_class c ON c.oid = to_regclass('asynqpg_tasks')
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = s.schemaname
CROSS JOIN LATERAL unnest(s.most_common_vals::text::text[], s.most_common_freqs::float8[]) AS v(val, freq)
WHERE s.tablename = 'asynqpg_tasks' AND s.attname IN ('status', 'type')`
)

// Bulk actions on failed tasks.
const (
	// sqlBulkRetryFailed makes up to $2 failed tasks (of type $1; NULL for
	// every type; when $3 is true, only those whose id is in $4) pending
	// and ready now, with at least one attempt left, as sqlRetryTask does
	// for one. Rows another transaction holds are skipped. Notifies each
	// type made ready. Returns the number changed.
	sqlBulkRetryFailed = `
WITH batch AS (
	SELECT id FROM asynqpg_tasks
	WHERE status = 'failed' AND ($1::text IS NULL OR type = $1::text)
		AND (NOT $3::bool OR id = ANY($4::bigint[]))
	LIMIT $2
	FOR UPDATE SKIP LOCKED
), changed AS (
	UPDATE asynqpg_tasks t SET status = 'pending', finalized_at = NULL, blocked_till = now(),
		attempts_left = greatest(t.attempts_left, 1), updated_at = now()
	FROM batch WHERE t.id = batch.id AND t.status = 'failed'
	RETURNING t.type
), notified AS (
	SELECT pg_notify('` + ChannelNewTask + `', r.type) FROM (SELECT DISTINCT type FROM changed) r
)
SELECT count(*) FROM changed WHERE (SELECT count(*) FROM notified) >= 0`

	// sqlBulkDeleteFailed deletes up to $2 failed tasks (of type $1; NULL
	// for every type; when $3 is true, only those whose id is in $4),
	// skipping rows another transaction holds. Returns the number deleted.
	sqlBulkDeleteFailed = `
DELETE FROM asynqpg_tasks WHERE id IN (
	SELECT id FROM asynqpg_tasks
	WHERE status = 'failed' AND ($1::text IS NULL OR type = $1::text)
		AND (NOT $3::bool OR id = ANY($4::bigint[]))
	LIMIT $2
	FOR UPDATE SKIP LOCKED)
AND status = 'failed'`
)

// Leadership.
const (
	// sqlCurrentLeader reads the last term of leadership $1, expired or
	// not: the leader, when it was elected, when its term ends and the
	// seconds left by the database clock (0 once ended). No row while no
	// term is recorded.
	sqlCurrentLeader = `
SELECT leader_id, elected_at, expires_at, greatest(extract(epoch FROM expires_at - now()), 0)::float8
FROM asynqpg_leader WHERE name = $1`
)

// Dashboard sessions (table asynqpg_ui_sessions). A session is stored
// under the SHA-256 of its token, so the table does not hold tokens.
const (
	// sqlSaveSession stores session $1 (token hash) with $2 (user, JSON
	// text), $3 created, $4 expires, replacing one with the same hash.
	sqlSaveSession = `
INSERT INTO asynqpg_ui_sessions (token_hash, user_info, created_at, expires_at)
VALUES ($1, $2::text::jsonb, $3, $4)
ON CONFLICT (token_hash) DO UPDATE SET user_info = EXCLUDED.user_info,
	created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at`

	// sqlGetSession reads unexpired session $1 (token hash). Returns
	// (user as JSON text, created, expires).
	sqlGetSession = `
SELECT user_info::text, created_at, expires_at FROM asynqpg_ui_sessions
WHERE token_hash = $1 AND expires_at > now()`

	// sqlDeleteSession deletes session $1 (token hash).
	sqlDeleteSession = `DELETE FROM asynqpg_ui_sessions WHERE token_hash = $1`

	// sqlDeleteExpiredSessions deletes up to $1 expired sessions. Returns
	// the number deleted.
	sqlDeleteExpiredSessions = `
DELETE FROM asynqpg_ui_sessions WHERE token_hash IN (
	SELECT token_hash FROM asynqpg_ui_sessions WHERE expires_at <= now() LIMIT $1 FOR UPDATE SKIP LOCKED)`
)

// Throughput.
const (
	// sqlDatabaseNow reads the database clock.
	sqlDatabaseNow = `SELECT now()`

	// sqlFinalizedPerMinute counts the tasks completed and failed in each
	// minute of finalized_at from $1 (included) to $2 (excluded): a range
	// scan of asynqpg_tasks_finalized_idx (status, finalized_at). Returns
	// (minute, completed, failed), oldest first, only minutes with a task.
	sqlFinalizedPerMinute = `
SELECT date_trunc('minute', finalized_at) AS minute,
	count(*) FILTER (WHERE status = 'completed'), count(*) FILTER (WHERE status = 'failed')
FROM asynqpg_tasks
WHERE status IN ('completed', 'failed')
	AND finalized_at >= $1::timestamptz AND finalized_at < $2::timestamptz
GROUP BY 1 ORDER BY 1`
)
