package engine

import "strings"

// The statements of scheduling beyond first in, first out: unique tasks,
// paused task types, periodic tasks and global concurrency limits
// (conventions: see sql.go; priorities are in the claim statements of
// sql_claim.go).

// Channels used with LISTEN/NOTIFY for scheduling.
const (
	// ChannelPause carries the type of a task type paused or resumed.
	ChannelPause = "asynqpg_pause"
)

// Unique tasks. A unique task's unique_key names its period, the window of
// the period it was enqueued in (on the database clock, windows aligned to
// the Unix epoch) and a digest of its payload; the unique index of
// migration 5 allows one live task (see uniqueLive) per type and key.
const (
	// uniqueKeyOfParams is the unique key of sqlInsertTask: period $9
	// microseconds (0 for none: NULL), payload $2.
	uniqueKeyOfParams = `CASE WHEN $9::bigint > 0 THEN $9::bigint::text || ':' ||
		floor(extract(epoch FROM now()) * 1000000 / $9::bigint)::bigint::text || ':' ||
		encode(sha256($2::bytea), 'hex') END`
	// uniqueKeyOfBatch is the unique key of a row i of sqlInsertTasks'
	// input: period i.unique_us, payload i.payload.
	uniqueKeyOfBatch = `CASE WHEN i.unique_us > 0 THEN i.unique_us::text || ':' ||
		floor(extract(epoch FROM now()) * 1000000 / i.unique_us)::bigint::text || ':' ||
		encode(sha256(i.payload), 'hex') END`
	// uniqueLive holds for a task t that holds its unique key: one that is
	// neither failed nor cancelled (the predicate of the unique index).
	uniqueLive = `t.status IN ('pending', 'running', 'completed')`
)

// Paused task types.
const (
	// sqlPauseType pauses type $1 and, when it was not paused yet,
	// announces it on ChannelPause. Pausing a paused type changes nothing.
	sqlPauseType = `
WITH paused AS (
	INSERT INTO asynqpg_paused_types (type) VALUES ($1) ON CONFLICT (type) DO NOTHING
	RETURNING type
)
SELECT pg_notify('` + ChannelPause + `', type) FROM paused`

	// sqlResumeType resumes type $1 and, when it was paused, announces it
	// on ChannelPause and ChannelNewTask, so that consumers claim its tasks
	// at once. Resuming a type that is not paused changes nothing.
	sqlResumeType = `
WITH resumed AS (
	DELETE FROM asynqpg_paused_types WHERE type = $1
	RETURNING type
)
SELECT pg_notify('` + ChannelPause + `', type), pg_notify('` + ChannelNewTask + `', type) FROM resumed`

	// sqlListPausedTypes returns the paused types in byte order of their
	// names, whatever the collation of the database.
	sqlListPausedTypes = `SELECT type FROM asynqpg_paused_types ORDER BY type COLLATE "C"`
)

// Periodic tasks.
const (
	// sqlMarkPeriodic records that instant $2 (text) of periodic task $1
	// is enqueued, unless that instant or a later one is already. Returns
	// one row when this call is the one to enqueue it. Run in the
	// transaction that inserts the task, so the mark and the task commit
	// together.
	sqlMarkPeriodic = `
INSERT INTO asynqpg_periodic AS p (name, last_at) VALUES ($1, $2::text::timestamptz)
ON CONFLICT (name) DO UPDATE SET last_at = EXCLUDED.last_at, enqueued_at = now()
WHERE p.last_at < EXCLUDED.last_at
RETURNING true`

	// sqlPeriodicLast returns the name and last_at of each periodic task
	// of the names $1 ([]string) that has an instant enqueued.
	sqlPeriodicLast = `SELECT name, last_at FROM asynqpg_periodic WHERE name = ANY($1)`

	// sqlClockNow returns the database clock, read when the statement
	// runs (not when its transaction began).
	sqlClockNow = `SELECT clock_timestamp()`
)

// Global concurrency limits. A claim of a type with a limit is a
// transaction of its own: sqlLockTypeSlots, then the outcomes it writes,
// then sqlClaimLimited. Under READ COMMITTED each statement sees what was
// committed when it began, so the count of sqlClaimLimited, which begins
// once the lock is held, sees every claim committed before it; a count in
// the statement that takes the lock would not.
const (
	// sqlLockTypeSlots takes the transaction's lock on the running slots
	// of type $1: every claim of a limited type holds it from its count of
	// running tasks to its commit, so that two claims never count the same
	// free slot. When $2 is true (the transaction writes outcomes, which
	// free slots) it announces the type on ChannelNewTask at commit, so
	// that the consumers waiting for a slot claim at once.
	sqlLockTypeSlots = `SELECT pg_advisory_xact_lock(hashtextextended('asynqpg_concurrency:' || $1, 0)),
	CASE WHEN $2::boolean THEN pg_notify('` + ChannelNewTask + `', $1) END`

	// claimSlots is the number of tasks of type $1 a limited claim may
	// take: at most $2, and no more than the limit $4 less the running
	// tasks whose lease has not passed (the slots taken). A task whose
	// consumer died frees its slot when its lease passes.
	claimSlots = `slots AS (
	SELECT greatest(least($2::bigint, $4::bigint - count(*)), 0) AS n FROM asynqpg_tasks
	WHERE status = 'running' AND type = $1 AND ` + claimRank + ` = 0 AND blocked_till > now()
)`
)

// sqlClaimLimited is sqlClaimTasks for a type whose running tasks are
// limited to $4: it claims at most claimSlots tasks. Run it in the
// transaction that took sqlLockTypeSlots, after the lock. Arguments and
// result are those of sqlClaimTasks, then $4.
var sqlClaimLimited = `WITH ` + claimSlots + `, ` +
	strings.ReplaceAll(claimExpired+claimExpiredEnd+claimChosen+claimUpdate, claimLimit, `(SELECT n FROM slots)`)
