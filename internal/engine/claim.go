package engine

import "context"
import "fmt"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"

// AttemptKey identifies one attempt at a task: the task's ID and its
// attempted_at in Unix microseconds. Every write about an attempt is
// guarded by it.
type AttemptKey struct {
	ID  int64
	Key int64
}

// ClaimedTask is a task claimed for an attempt.
type ClaimedTask struct {
	// Task is what the handler receives.
	Task *asynqpg.TaskInfo
	// Attempt identifies the attempt.
	Attempt AttemptKey
	// TraceContext is the trace context stored with the task when it was
	// enqueued (see observability.InjectTraceContext); "" for none.
	TraceContext string
}

// ClaimTasks claims up to limit ready tasks of taskType for attempts
// leased for lease (counted by the database clock). A running task whose
// lease passed is claimed again when it has an attempt left after its
// lost attempt is counted.
func ClaimTasks(ctx context.Context, ex driver.Executor, taskType string, limit int, lease time.Duration) ([]ClaimedTask, error) {
	if limit <= 0 {
		return nil, nil
	}
	claimed, _, _, err := RecordAndClaim(ctx, ex, taskType, nil, limit, lease, true, ClaimCursor{})
	return claimed, err
}

// ClaimCursor is where a claim's scan of pending tasks ended: the rank
// (priority), blocked_till and ID of the last pending task it claimed, in
// claim order. A claim after it scans only the pending tasks of that rank
// that come after it, and so skips the entries the claim index keeps,
// until the table is vacuumed, of the tasks claimed before; it does not
// see tasks that sort before the cursor (a higher priority, an earlier
// blocked_till) nor those of a lower priority. The zero ClaimCursor
// (ID 0) scans every ready task.
type ClaimCursor struct {
	Rank        int
	BlockedTill time.Time
	ID          int64
}

// IsZero reports whether c is the zero ClaimCursor.
func (c ClaimCursor) IsZero() bool {
	return c.ID == 0
}

// ManyOutcomes is the size of batch from which a claim finds the rows of
// its outcomes by a join with the running rows of the claim index (see
// sqlCompleteManyAndClaim) rather than through the primary key. The join
// reads every running entry, with those of every task finished since the
// table was last vacuumed, so it costs the same for a batch of any size:
// draining 300,000 tasks with 100 workers (batches of about 50), it took
// about twice the server CPU per task of the lookups by key, while with
// 1,000 workers (batches of about 500) the lookups drained about 15 %
// slower than the join (100,000 tasks).
const ManyOutcomes = 200

// lightOutcomes is the fewest successes written by the light statement
// (see RecordAndClaim); for fewer, the report of each costs little.
const lightOutcomes = 16

// RecordAndClaim writes the outcomes of attempts and claims up to limit
// ready tasks of taskType (as ClaimTasks does) in one statement, so both
// take effect at once: the workers the outcomes free are never counted
// twice, and a consumer that dies holds no more unfinished tasks than it
// has workers. An outcome whose attempt no longer owns its task changes
// nothing, and the tasks of the outcomes are not claimed again. It returns
// the tasks claimed and the set of outcomes written.
//
// expectClaims says whether tasks are probably ready (a backlog): when
// every outcome of a batch of at least lightOutcomes is a success, a
// lighter statement is used then, which does not report which successes
// were written; all of them are reported written (one that was not
// changed nothing: its attempt had lost the task, and there is nothing
// more to do about it).
func RecordAndClaim(ctx context.Context, ex driver.Executor, taskType string, outcomes []OutcomeRecord,
	limit int, lease time.Duration, expectClaims bool, after ClaimCursor,
) ([]ClaimedTask, map[AttemptKey]bool, ClaimCursor, error) {
	if len(outcomes) == 0 && limit <= 0 {
		return nil, map[AttemptKey]bool{}, ClaimCursor{}, nil
	}
	args := []any{taskType, int64(max(limit, 0)), lease.Microseconds()}
	written := make(map[AttemptKey]bool, len(outcomes))
	flagged := len(outcomes) > 0 // the rows say which are outcomes
	statement := claimTasks
	switch {
	case len(outcomes) == 0: // a claim only
	case expectClaims && len(outcomes) >= lightOutcomes && completedOnly(outcomes):
		statement = bySize(outcomes, completeAndClaim, completeManyAndClaim)
		ids, keys := outcomeKeys(outcomes)
		args = append(args, ids, keys)
		flagged = false
		for _, o := range outcomes {
			written[o.Attempt] = true
		}
	default:
		statement = bySize(outcomes, recordAndClaim, recordManyAndClaim)
		args = append(args, outcomeArrays(outcomes)...)
	}
	rows, err := statement.query(ctx, ex, after, args...)
	if err != nil {
		return nil, nil, ClaimCursor{}, fmt.Errorf("claim tasks of type %q: %w", taskType, schemaError(err))
	}
	out, cursor, err := scanClaimed(rows, taskType, flagged, written, limit)
	if err != nil {
		return nil, nil, ClaimCursor{}, err
	}
	return out, written, cursor, nil
}

// bySize returns many for a batch of at least ManyOutcomes outcomes, and
// few for a smaller one.
func bySize(outcomes []OutcomeRecord, few, many claimStatement) claimStatement {
	if len(outcomes) >= ManyOutcomes {
		return many
	}
	return few
}

// query runs s with args, from the first ready task for the zero cursor
// after, after it otherwise.
func (s claimStatement) query(ctx context.Context, ex driver.Executor, after ClaimCursor, args ...any) (driver.Rows, error) {
	if after.IsZero() {
		return ex.Query(ctx, s.first, args...)
	}
	return ex.Query(ctx, s.after, append(args, int64(after.Rank), after.BlockedTill, after.ID)...)
}

// scanClaimed reads the rows of a claim statement of taskType and closes
// them: the tasks claimed, the claim's cursor and, when flagged (the
// first column tells outcomes from claimed tasks), the outcomes written,
// added to written.
func scanClaimed(rows driver.Rows, taskType string, flagged bool, written map[AttemptKey]bool, limit int,
) ([]ClaimedTask, ClaimCursor, error) {
	defer rows.Close()
	out := make([]ClaimedTask, 0, limit)
	var cursor ClaimCursor
	for rows.Next() {
		var (
			t           asynqpg.TaskInfo
			attemptedAt time.Time
			key         int64
			traceCtx    string
			isOutcome   bool
			c           ClaimCursor
		)
		dest := []any{&t.ID, &t.Payload, &t.IdempotencyToken, &t.Messages,
			&t.AttemptsLeft, &t.AttemptsElapsed, &t.CreatedAt, &attemptedAt, &key, &traceCtx, &t.Priority,
			&c.Rank, &c.BlockedTill, &c.ID}
		if flagged {
			dest = append([]any{&isOutcome}, dest...)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, ClaimCursor{}, fmt.Errorf("claim tasks of type %q: scan: %w", taskType, err)
		}
		if isOutcome {
			written[AttemptKey{ID: t.ID, Key: key}] = true
			continue
		}
		cursor = c
		t.Type = taskType
		t.AttemptedAt = &attemptedAt
		if t.Messages == nil {
			t.Messages = []string{}
		}
		if t.Payload == nil {
			t.Payload = []byte{}
		}
		out = append(out, ClaimedTask{Task: &t, Attempt: AttemptKey{ID: t.ID, Key: key}, TraceContext: traceCtx})
	}
	if err := rows.Err(); err != nil {
		return nil, ClaimCursor{}, fmt.Errorf("claim tasks of type %q: %w", taskType, schemaError(err))
	}
	return out, cursor, nil
}

// LostAttempts returns those of attempts that no longer own their task:
// cancelled, deleted, finished or claimed again by another consumer.
func LostAttempts(ctx context.Context, ex driver.Executor, attempts []AttemptKey) ([]AttemptKey, error) {
	if len(attempts) == 0 {
		return nil, nil
	}
	ids, keys := splitAttempts(attempts)
	rows, err := ex.Query(ctx, sqlLostAttempts, ids, keys)
	if err != nil {
		return nil, fmt.Errorf("check running attempts: %w", err)
	}
	defer rows.Close()
	var lost []AttemptKey
	for rows.Next() {
		var a AttemptKey
		if err := rows.Scan(&a.ID, &a.Key); err != nil {
			return nil, fmt.Errorf("check running attempts: scan: %w", err)
		}
		lost = append(lost, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("check running attempts: %w", err)
	}
	return lost, nil
}

// RequeueAttempts gives back attempts that will not finish: their tasks
// become pending and ready at once, with no attempt counted. Attempts
// that no longer own their task are left alone. It returns how many tasks
// it gave back.
func RequeueAttempts(ctx context.Context, ex driver.Executor, attempts []AttemptKey) (int64, error) {
	if len(attempts) == 0 {
		return 0, nil
	}
	ids, keys := splitAttempts(attempts)
	n, err := ex.Exec(ctx, sqlRequeueAttempts, ids, keys)
	if err != nil {
		return 0, fmt.Errorf("requeue unfinished attempts: %w", err)
	}
	return n, nil
}

// OutcomeRecord is the outcome of one attempt, as written by
// [RecordOutcomes].
type OutcomeRecord struct {
	Attempt AttemptKey
	Decision
}

// RecordOutcomes writes the outcomes of many attempts in one statement
// (a lighter one when every outcome is a success). An outcome whose
// attempt no longer owns its task changes nothing. It returns the set of
// attempts written.
func RecordOutcomes(ctx context.Context, ex driver.Executor, outcomes []OutcomeRecord) (map[AttemptKey]bool, error) {
	if len(outcomes) == 0 {
		return map[AttemptKey]bool{}, nil
	}
	var (
		rows driver.Rows
		err  error
	)
	if completedOnly(outcomes) {
		ids, keys := outcomeKeys(outcomes)
		rows, err = ex.Query(ctx, sqlCompleteAttempts, ids, keys)
	} else {
		rows, err = ex.Query(ctx, sqlRecordOutcomes, outcomeArrays(outcomes)...)
	}
	if err != nil {
		return nil, fmt.Errorf("record outcomes: %w", err)
	}
	defer rows.Close()
	written := make(map[AttemptKey]bool, len(outcomes))
	for rows.Next() {
		var a AttemptKey
		if err := rows.Scan(&a.ID, &a.Key); err != nil {
			return nil, fmt.Errorf("record outcomes: scan: %w", err)
		}
		written[a] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("record outcomes: %w", err)
	}
	return written, nil
}

// completedOnly reports whether every outcome is a success.
func completedOnly(outcomes []OutcomeRecord) bool {
	for _, o := range outcomes {
		if o.Status != outcomeCompleted {
			return false
		}
	}
	return true
}

// outcomeKeys returns the IDs and attempt keys of outcomes as two arrays.
func outcomeKeys(outcomes []OutcomeRecord) (ids, keys []int64) {
	ids = make([]int64, len(outcomes))
	keys = make([]int64, len(outcomes))
	for i, o := range outcomes {
		ids[i], keys[i] = o.Attempt.ID, o.Attempt.Key
	}
	return ids, keys
}

// outcomeArrays returns the six arrays of sqlRecordOutcomes: IDs,
// attempt keys, statuses, attempts spent, messages and delays.
func outcomeArrays(outcomes []OutcomeRecord) []any {
	ids, keys := outcomeKeys(outcomes)
	statuses := make([]string, len(outcomes))
	spent := make([]int64, len(outcomes))
	messages := make([]string, len(outcomes))
	delays := make([]int64, len(outcomes))
	for i, o := range outcomes {
		statuses[i] = o.Status
		spent[i] = o.Spent
		messages[i] = sanitizeMessage(o.Message)
		delays[i] = o.Delay.Microseconds()
	}
	return []any{ids, keys, statuses, spent, messages, delays}
}

// splitAttempts returns the IDs and keys of attempts as two arrays.
func splitAttempts(attempts []AttemptKey) (ids, keys []int64) {
	ids = make([]int64, len(attempts))
	keys = make([]int64, len(attempts))
	for i, a := range attempts {
		ids[i], keys[i] = a.ID, a.Key
	}
	return ids, keys
}
