package engine

import "fmt"
import "strings"

// The statements of the hot path: claiming tasks and recording the
// outcomes of attempts (conventions: see sql.go).

// ownedByAttempt holds when row t is still owned by attempt o: running,
// with the attempted_at of attempt key o.attempt_key (Unix microseconds).
const ownedByAttempt = `t.status = 'running' AND ` + attemptKeyMatches

// ownedByAttemptByKey is ownedByAttempt for a statement that finds the
// rows of its attempts (IDs o.id) through the primary key: the status is
// compared under the "C" collation (the same equality for these ASCII
// values), so that the planner cannot read it from the claim index. With
// statistics that show few running rows (a queue table's usual state), it
// would otherwise read every running entry of the claim index and
// hash-join them with the outcomes: every running task of every consumer,
// and every entry of a task that finished since the table was last
// vacuumed, which the index keeps until then. Such a statement grows
// slower with every task processed (draining 300,000 tasks with 100
// workers, it took twice the server CPU per task of the lookups by key).
const ownedByAttemptByKey = `t.status COLLATE "C" = 'running' AND ` + attemptKeyMatches

// attemptKeyMatches holds when row t was attempted at attempt key
// o.attempt_key (Unix microseconds).
const attemptKeyMatches = `t.attempted_at = 'epoch'::timestamptz + o.attempt_key * interval '1 microsecond'`

// Pieces of the claim statements. $1 type, $2 limit, $3 lease in
// microseconds.
const (
	// claimLimit is the limit of a claim, a sub-select (see sqlClaimTasks).
	claimLimit = `(SELECT $2::bigint)`

	// claimLimitAfterOutcomes is claimLimit in a statement that records
	// outcomes (CTE done, which returns a row per outcome written) before
	// it claims: it reads done, so that every outcome is written before
	// the claim locks a row. In the other order two such statements can
	// deadlock: a claim whose snapshot is older than another consumer's
	// claim locks, with SKIP LOCKED, rows that consumer has just claimed,
	// to find them no longer pending, and holds those locks to its
	// statement's end; outcomes it writes after that may wait for a row
	// the other statement locked the same way, while the other waits for
	// one of its own. PostgreSQL ends one of them only after
	// deadlock_timeout (a second by default), with every worker of both
	// consumers waiting meanwhile. Written first, the outcomes wait only
	// for claims, and claims never wait.
	claimLimitAfterOutcomes = `(SELECT $2::bigint + 0 * (SELECT count(*) FROM done))`

	// claimRank is the third column of the claim index
	// asynqpg_tasks_claim_idx (migration 5): the priority of a pending
	// row, 0 for a running one. Pending rows are scanned by rank
	// descending, then blocked_till, then id; running rows, all of rank 0,
	// by blocked_till, so that the scan for passed leases is a range.
	claimRank = `(CASE WHEN status = 'pending' THEN priority ELSE 0 END)`

	// claimPendingReady is the condition of the scan of pending rows of
	// type $1: ready. A claim after a cursor adds the cursor's condition
	// to it (see afterCursor).
	claimPendingReady = `status = 'pending' AND type = $1 AND blocked_till <= now()`

	// claimExpired finds running rows of type $1 whose lease passed and
	// that have an attempt left after counting the lost one.
	claimExpired = `expired AS (
	SELECT ctid, priority, blocked_till, id FROM asynqpg_tasks
	WHERE status = 'running' AND type = $1 AND ` + claimRank + ` = 0 AND blocked_till <= now() AND attempts_left > 1`
	// claimExpiredEnd ends claimExpired and adds the scan of pending
	// rows; a statement that also records outcomes puts between them a
	// condition that leaves those rows out. claimExpiredEndAfterOutcomes
	// is the same limited by claimLimitAfterOutcomes.
	claimExpiredEnd              = claimExpiredOrder + claimLimit + claimPending + claimLimit + claimLocked
	claimExpiredEndAfterOutcomes = claimExpiredOrder + claimLimitAfterOutcomes + claimPending +
		claimLimitAfterOutcomes + claimLocked

	// The parts of claimExpiredEnd around its two limits.
	claimExpiredOrder = `
	ORDER BY blocked_till, id
	LIMIT `
	claimPending = claimLocked + `, pending AS (
	SELECT ctid, priority, blocked_till, id FROM asynqpg_tasks
	WHERE ` + claimPendingReady + `
	ORDER BY ` + claimRank + ` DESC, blocked_till, id
	LIMIT `
	claimLocked = `
	FOR NO KEY UPDATE SKIP LOCKED
)`
	// claimChosen ends the scans: the rows to claim, as CTE chosen, in
	// claim order, each with whether it was pending; and the last pending
	// one, as CTE last, where the next claim's scan of pending rows may
	// begin (see afterCursor). claimUpdate follows.
	claimChosen = `, chosen AS (
	SELECT r.ctid, r.priority, r.blocked_till, r.id, r.pending
	FROM (SELECT *, false AS pending FROM expired UNION ALL SELECT *, true FROM pending) r
	ORDER BY r.priority DESC, r.blocked_till, r.id
	LIMIT ` + claimLimit + `
), last AS (
	SELECT priority, blocked_till, id FROM chosen WHERE pending
	ORDER BY priority, blocked_till DESC, id DESC
	LIMIT 1
)`

	// claimUpdate claims the rows chosen. Every row returned also carries
	// the claim's cursor: the rank, blocked_till and id of the last
	// pending row chosen (0, the epoch and 0 when none was).
	claimUpdate = `
UPDATE asynqpg_tasks t SET
	status = 'running',
	attempted_at = now(),
	blocked_till = now() + $3::bigint * interval '1 microsecond',
	updated_at = now(),
	attempts_left = CASE WHEN t.status = 'running' THEN t.attempts_left - 1 ELSE t.attempts_left END,
	attempts_elapsed = CASE WHEN t.status = 'running' THEN t.attempts_elapsed + 1 ELSE t.attempts_elapsed END,
	messages = CASE WHEN t.status = 'running'
		THEN array_append(t.messages, 'lease expired: the consumer running the attempt is presumed dead')
		ELSE t.messages END
WHERE t.ctid = ANY (ARRAY(SELECT ctid FROM chosen))
RETURNING t.id, t.payload, t.idempotency_token, t.messages, t.attempts_left,
	t.attempts_elapsed, t.created_at, t.attempted_at, (extract(epoch FROM t.attempted_at) * 1000000)::bigint,
	COALESCE(t.trace_context::text, ''), t.priority,
	COALESCE((SELECT priority FROM last), 0), COALESCE((SELECT blocked_till FROM last), 'epoch'::timestamptz),
	COALESCE((SELECT id FROM last), 0)`

	// recordSet is what an outcome o does to its row t: its status, the
	// attempt it spent with its message, when a pending task is ready
	// again, when a finished one finished.
	recordSet = `
	status = o.status,
	attempts_left = greatest(t.attempts_left - o.spent, 0),
	attempts_elapsed = t.attempts_elapsed + o.spent,
	messages = CASE WHEN o.spent > 0 THEN array_append(t.messages, o.message) ELSE t.messages END,
	blocked_till = CASE WHEN o.status = 'pending' THEN now() + o.delay_us * interval '1 microsecond' ELSE t.blocked_till END,
	finalized_at = CASE WHEN o.status IN ('completed', 'failed') THEN now() ELSE NULL END,
	updated_at = now()`

	// completeSet is recordSet for a success.
	completeSet = ` status = 'completed', finalized_at = now(), updated_at = now()`

	// completeDone begins a claim statement with the CTE done that
	// records the successes of $4 ids, $5 attempt keys; the condition
	// that the attempt owns its row follows.
	completeDone = `WITH done AS (
	UPDATE asynqpg_tasks t SET` + completeSet + `
	FROM unnest($4::bigint[], $5::bigint[]) AS o(id, attempt_key)
	WHERE t.id = o.id AND `

	// recordDone is completeDone for outcomes of any kind (see
	// sqlRecordAndClaim), and recordDoneEnd ends it: done returns the
	// outcomes written, and claimExpired follows.
	recordDone = `WITH done AS (
	UPDATE asynqpg_tasks t SET` + recordSet + `
	FROM unnest($4::bigint[], $5::bigint[], $6::text[], $7::bigint[], $8::text[], $9::bigint[])
		AS o(id, attempt_key, status, spent, message, delay_us)
	WHERE t.id = o.id AND `
	recordDoneEnd = `
	RETURNING t.id, o.attempt_key
` + claimAfterDone

	// claimAfterDone ends done and begins the claim, which leaves out the
	// tasks of the outcomes; claimExpiredEnd or
	// claimExpiredEndAfterOutcomes follows.
	claimAfterDone = `), ` + claimExpired + ` AND id <> ALL($4::bigint[])`

	// claimedAndOutcomes ends a statement that reports the outcomes it
	// wrote: the claim as CTE claimed, then claimAndOutcomes.
	claimedAndOutcomes = claimChosen + `, claimed AS (` + claimUpdate + `)` + claimAndOutcomes

	// recordOutcomes and completeAttempts begin sqlRecordOutcomes and
	// sqlCompleteAttempts; the condition that the attempt owns its row
	// follows, then outcomesWritten.
	recordOutcomes = `
UPDATE asynqpg_tasks t SET` + recordSet + `
FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::bigint[])
	AS o(id, attempt_key, status, spent, message, delay_us)
WHERE t.id = o.id AND `
	completeAttempts = `
UPDATE asynqpg_tasks t SET` + completeSet + `
FROM unnest($1::bigint[], $2::bigint[]) AS o(id, attempt_key)
WHERE t.id = o.id AND `
	outcomesWritten = `
RETURNING t.id, o.attempt_key`

	// claimAndOutcomes is the result of a statement that records
	// outcomes (CTE done) and claims (CTE claimed): a flag telling the
	// two kinds of rows apart, then the columns of a claimed row; an
	// outcome's row has its ID and attempt key, and placeholders.
	claimAndOutcomes = `
SELECT false, c.* FROM claimed c
UNION ALL
SELECT true, d.id, ''::bytea, NULL::text, '{}'::text[], 0, 0, now(), now(), d.attempt_key, '', 0, 0,
	'epoch'::timestamptz, 0 FROM done d`
)

const (
	// sqlClaimTasks claims up to $2 ready tasks of type $1 for an attempt
	// whose lease lasts $3 microseconds, in blocked_till order. Ready means
	// pending with blocked_till passed, or running with its lease passed
	// (its consumer is presumed dead) and an attempt left after counting
	// the lost one; a lost attempt counts as a failed one. Returns the
	// claimed rows (all of type $1, which is not returned) with their
	// attempt key and the trace context stored with the task ('' for none).
	//
	// The shape is chosen for speed. Both kinds of ready rows come from
	// ordered range scans of the claim index (status, type, rank,
	// blocked_till, id; see claimRank); running rows with a passed lease
	// are rare, so the extra rows their scan may lock are few, and they
	// are unlocked when the statement ends.
	// The rows are then updated through their ctid, without a second
	// lookup in the primary key; a row whose locked version is newer than
	// the statement's snapshot (it changed concurrently) is not updated,
	// and so not claimed. The limit is a sub-select, so that the planner
	// estimates it the same whatever its value: a plan made for one limit
	// suits every limit, and PostgreSQL's plan cache keeps one generic plan
	// instead of planning every claim anew.
	sqlClaimTasks = `WITH ` + claimExpired + claimExpiredEnd + claimChosen + claimUpdate

	// sqlCompleteAndClaim records the success of attempts ($4 ids, $5
	// attempt keys) and claims like sqlClaimTasks, in one statement: the
	// workers freed by the outcomes are filled by the claim, and both take
	// effect at once. Rows whose attempt no longer owns the task are left
	// alone, and the tasks of the outcomes are not claimed. The outcomes'
	// rows are found through the primary key (ownedByAttemptByKey) and
	// written before the claim (claimLimitAfterOutcomes). Returns the
	// claimed rows as sqlClaimTasks does. Which successes were written is
	// not reported: a report costs the claim a materialized result, and a
	// success that was not written (its attempt had lost the task) changed
	// nothing and needs nothing more. It serves a type with a backlog;
	// sqlRecordAndClaim, which reports every outcome, serves the others.
	sqlCompleteAndClaim = completeDone + ownedByAttemptByKey + `
	RETURNING t.id
` + claimAfterDone + claimExpiredEndAfterOutcomes + claimChosen + claimUpdate

	// sqlRecordAndClaim is sqlCompleteAndClaim for outcomes of any kind:
	// $4 ids, $5 attempt keys, $6 statuses, $7 attempts spent, $8
	// messages, $9 delays in microseconds (see sqlRecordOutcomes).
	sqlRecordAndClaim = recordDone + ownedByAttemptByKey + recordDoneEnd + claimExpiredEndAfterOutcomes +
		claimedAndOutcomes

	// sqlCompleteManyAndClaim and sqlRecordManyAndClaim are
	// sqlCompleteAndClaim and sqlRecordAndClaim for a large batch (see
	// ManyOutcomes): they find the outcomes' rows by a join with the
	// running rows of the claim index, and claim first.
	sqlCompleteManyAndClaim = completeDone + ownedByAttempt + `
` + claimAfterDone + claimExpiredEnd + claimChosen + claimUpdate
	sqlRecordManyAndClaim = recordDone + ownedByAttempt + recordDoneEnd + claimExpiredEnd + claimedAndOutcomes

	// sqlRecordOutcomes records the outcomes of many attempts in one
	// statement. Each outcome: $1 id, $2 attempt key, $3 new status
	// ('completed', 'pending' or 'failed'), $4 attempts spent (0 or 1: one
	// for a failed attempt, whose message $5 is appended), $6 delay in
	// microseconds before a pending task is ready again. Rows whose attempt
	// no longer owns the task are left alone; the rows are found through
	// the primary key. Returns the attempts written (id, attempt key).
	sqlRecordOutcomes = recordOutcomes + ownedByAttemptByKey + outcomesWritten

	// sqlCompleteAttempts records the success of many attempts in one
	// statement: their tasks become completed. It is sqlRecordOutcomes for
	// a batch of successes only, with two arrays to send instead of six:
	// $1 ids, $2 attempt keys. Rows whose attempt no longer owns the task
	// are left alone. Returns the attempts written (id, attempt key).
	sqlCompleteAttempts = completeAttempts + ownedByAttemptByKey + outcomesWritten

	// sqlLostAttempts returns, among the given attempts ($1 ids, $2 attempt
	// keys), those that no longer own their task: cancelled, deleted,
	// finished or reclaimed by another consumer. The rows are found
	// through the primary key (ownedByAttemptByKey): a cancellation check
	// of a consumer's running attempts reads theirs, not every running
	// task of the table. Returns (id, attempt key).
	sqlLostAttempts = `
SELECT o.id, o.attempt_key FROM unnest($1::bigint[], $2::bigint[]) AS o(id, attempt_key)
WHERE NOT EXISTS (
	SELECT 1 FROM asynqpg_tasks t
	WHERE t.id = o.id AND ` + ownedByAttemptByKey + `)`

	// sqlRequeueAttempts gives back attempts a stopping consumer could not
	// finish: they become pending and ready at once, with no attempt
	// counted. $1 ids, $2 attempt keys; the rows are found through the
	// primary key.
	sqlRequeueAttempts = `
UPDATE asynqpg_tasks t SET status = 'pending', blocked_till = now(), updated_at = now()
FROM unnest($1::bigint[], $2::bigint[]) AS o(id, attempt_key)
WHERE t.id = o.id AND ` + ownedByAttemptByKey
)

// claimStatement is a claim statement in its two forms: scanning the
// pending rows from the first ready one (first), and after a cursor
// (after, see afterCursor), whose three arguments follow the statement's.
type claimStatement struct {
	first, after string
}

// newClaimStatement returns statement in its two forms; the cursor's
// arguments follow the statement's own.
func newClaimStatement(statement string) claimStatement {
	return claimStatement{first: statement, after: afterCursor(statement, lastParam(statement)+1)}
}

// lastParam returns the highest parameter number ($n) in statement.
func lastParam(statement string) int {
	last := 0
	for i := 0; i < len(statement); i++ {
		if statement[i] != '$' {
			continue
		}
		n := 0
		for i+1 < len(statement) && '0' <= statement[i+1] && statement[i+1] <= '9' {
			i++
			n = n*10 + int(statement[i]-'0')
		}
		last = max(last, n)
	}
	return last
}

// The claim statements of RecordAndClaim, in their two forms.
var (
	claimTasks           = newClaimStatement(sqlClaimTasks)
	completeAndClaim     = newClaimStatement(sqlCompleteAndClaim)
	completeManyAndClaim = newClaimStatement(sqlCompleteManyAndClaim)
	recordAndClaim       = newClaimStatement(sqlRecordAndClaim)
	recordManyAndClaim   = newClaimStatement(sqlRecordManyAndClaim)
)

// afterCursor returns claim statement with its scan of pending rows
// limited to those after a cursor (see ClaimCursor): of the cursor's rank
// $n, and after its blocked_till $n+1 and id $n+2. The scan then begins
// at the cursor in the claim index instead of at the first pending entry
// of the type: the entries of the tasks claimed since the table was last
// vacuumed, which the index keeps until then, lie before it. It also
// passes over the rows claimUntouched leaves out.
func afterCursor(statement string, n int) string {
	cond := fmt.Sprintf(` AND %s = $%d::integer AND (blocked_till, id) > ($%d::timestamptz, $%d::bigint) AND %s`,
		claimRank, n, n+1, n+2, claimUntouched)
	return strings.Replace(statement, claimPendingReady, claimPendingReady+cond, 1)
}

// claimUntouched holds for a row whose version the statement sees was
// neither updated nor locked by any transaction since it was written.
//
// A claim after a cursor reads the tasks that the claims just before it
// took (a type has up to two claims in flight, and other consumers claim
// it too). Those another claim took after this statement's snapshot
// still look pending to it; locking one, with SKIP LOCKED, follows it to
// its new version, which is running, and holds that lock until this
// statement ends, though it does not claim the row. The outcome of that
// task, which its consumer writes meanwhile, then waits for this
// statement (see claimLimitAfterOutcomes).
// Such rows are passed over before any lock is taken. So are the rows
// another claim is locking (SKIP LOCKED would pass over them too), and
// pending rows that still carry the lock of a finished transaction (a
// claim that failed, a lock taken without an update): those are claimed
// by the next scan from the first ready task, which has no such
// condition (see claimScan).
const claimUntouched = `xmax = 0`
