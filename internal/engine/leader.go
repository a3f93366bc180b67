package engine

import "context"
import "errors"
import "fmt"
import "time"

import "github.com/yakser/asynqpg/driver"

// elector runs the statements of leader election for one consumer.
//
// Terms are issued by the database: the election and renewal statements
// compute a term's expiry from the database's now() and return it together
// with that now(). The local process never sends an instant; it trusts a
// term only for the duration the database granted, measured on its own
// monotonic clock from the moment it sent the statement, less a safety
// margin. Because the database's now() is taken after the statement was
// sent, the local deadline always falls at least the margin before the
// database's expiry, whatever the local wall clock says.
type elector struct {
	ex     driver.Executor
	name   string
	id     string
	ttl    time.Duration
	margin time.Duration
	// now reads the local clock. Only differences between its readings are
	// used, so it must carry a monotonic reading (time.Now does).
	now func() time.Time
}

// elect tries to begin a term. It reports false when another consumer
// holds an unexpired term. On success it returns the local deadline until
// which the term may be trusted.
func (e *elector) elect(ctx context.Context) (deadline time.Time, ok bool, err error) {
	deadline, ok, err = e.term(ctx, sqlElectLeader)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("elect leader %q: %w", e.name, err)
	}
	return deadline, ok, nil
}

// renew extends the current term. It reports false when the term was lost
// (it expired, or another consumer holds the leadership).
func (e *elector) renew(ctx context.Context) (deadline time.Time, ok bool, err error) {
	deadline, ok, err = e.term(ctx, sqlRenewLeader)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("renew leadership %q: %w", e.name, err)
	}
	return deadline, ok, nil
}

// resign ends the term, if this consumer holds it, so that another one can
// be elected at once.
func (e *elector) resign(ctx context.Context) error {
	if _, err := e.ex.Exec(ctx, sqlResignLeader, e.name, e.id); err != nil {
		return fmt.Errorf("resign leadership %q: %w", e.name, err)
	}
	return nil
}

// term runs an election or renewal statement and turns the term it grants
// into a local deadline.
func (e *elector) term(ctx context.Context, query string) (time.Time, bool, error) {
	sent := e.now()
	var expiresAt, dbNow time.Time
	err := e.ex.QueryRow(ctx, query, e.name, e.id, e.ttl.Microseconds()).Scan(&expiresAt, &dbNow)
	if errors.Is(err, driver.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	granted := min(expiresAt.Sub(dbNow), e.ttl)
	deadline := sent.Add(granted - e.margin)
	if !e.now().Before(deadline) {
		// The answer came too late to act on: the term may already be
		// over by the time anything is done under it.
		return time.Time{}, false, nil
	}
	return deadline, true, nil
}
