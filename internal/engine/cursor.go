package engine

import "time"

// claimScan decides where a type's claims begin their scan of pending
// tasks: after the cursor of the last claim while a backlog lasts, from
// the first ready task otherwise.
//
// A claim after a cursor skips the entries of the tasks claimed before,
// which the claim index keeps until the table is vacuumed: without it,
// every claim would read past all of them, and a claim would cost more
// with every task processed since the last vacuum. It does not see the
// tasks that sort before the cursor, nor rows that still carry the lock
// of a finished transaction (see claimUntouched), so the next claim scans
// from the first ready task when one may have come (a notification of a
// new task, a poll), when a claim was short (its rank may be exhausted,
// and tasks of a lower priority wait), when a claim failed, and at least
// every interval (a task given back by another consumer's failed claim,
// enqueued through a handle that cannot notify, or passed over for such a
// lock, waits no longer).
type claimScan struct {
	interval time.Duration
	cursor   ClaimCursor
	// fullBy is when the next claim scans from the first ready task
	// whatever the cursor.
	fullBy time.Time
}

// next returns the cursor the next claim starts after at now: the zero
// ClaimCursor for a scan from the first ready task.
func (s *claimScan) next(now time.Time) ClaimCursor {
	if s.cursor.IsZero() || !now.Before(s.fullBy) {
		s.cursor = ClaimCursor{}
		s.fullBy = now.Add(s.interval)
	}
	return s.cursor
}

// restart makes the next claim scan from the first ready task.
func (s *claimScan) restart() {
	s.cursor = ClaimCursor{}
}

// claimed records the result of a claim.
func (s *claimScan) claimed(res claimResult) {
	switch {
	case res.err != nil || res.claimed < res.limit:
		s.restart()
	case !res.cursor.IsZero():
		s.cursor = res.cursor
	}
}
