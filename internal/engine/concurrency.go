package engine

import "context"
import "fmt"
import "time"

import "github.com/yakser/asynqpg/driver"

// RecordAndClaimLimited is [RecordAndClaim] for a task type whose running
// tasks are limited to slots across every consumer on the database: it
// writes the outcomes, then claims at most limit ready tasks of taskType
// and no more than slots less the running tasks whose lease has not
// passed.
//
// It runs one transaction of its own (a savepoint when ex is a
// transaction): it takes the type's advisory transaction lock, writes the
// outcomes, then counts and claims in a following statement, whose
// snapshot is taken once the lock is held and so sees every claim
// committed before; claims of the type are therefore serialized from
// their count to their commit. When it writes outcomes, it announces the
// type on ChannelNewTask at commit, so that the consumers waiting for a
// slot claim at once. The outcomes and the claim take effect together, or
// neither does.
func RecordAndClaimLimited(ctx context.Context, ex driver.Executor, taskType string, outcomes []OutcomeRecord,
	limit int, lease time.Duration, slots int,
) (claimed []ClaimedTask, written map[AttemptKey]bool, err error) {
	if slots <= 0 {
		return nil, nil, fmt.Errorf("claim tasks of type %q: global concurrency must be positive (got %d)", taskType, slots)
	}
	if len(outcomes) == 0 && limit <= 0 {
		return nil, map[AttemptKey]bool{}, nil
	}
	tx, err := ex.Begin(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("claim tasks of type %q: begin: %w", taskType, err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }() // a no-op after Commit
	if _, err := tx.Exec(ctx, sqlLockTypeSlots, taskType, len(outcomes) > 0); err != nil {
		return nil, nil, fmt.Errorf("claim tasks of type %q: lock its slots: %w", taskType, schemaError(err))
	}
	written = map[AttemptKey]bool{}
	if len(outcomes) > 0 {
		if written, err = RecordOutcomes(ctx, tx, outcomes); err != nil {
			return nil, nil, err
		}
	}
	if limit > 0 {
		rows, err := tx.Query(ctx, sqlClaimLimited, taskType, int64(limit), lease.Microseconds(), int64(slots))
		if err != nil {
			return nil, nil, fmt.Errorf("claim tasks of type %q: %w", taskType, schemaError(err))
		}
		if claimed, _, err = scanClaimed(rows, taskType, false, written, limit); err != nil {
			return nil, nil, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, nil, fmt.Errorf("claim tasks of type %q: commit: %w", taskType, err)
	}
	return claimed, written, nil
}
