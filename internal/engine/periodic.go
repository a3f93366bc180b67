package engine

import "context"
import "errors"
import "fmt"
import "time"

import "github.com/yakser/asynqpg/driver"

// ErrPeriodicSkip, wrapped in the error of a [PeriodicEntry]'s Enqueue,
// says that the task of the instant could not be built (the builder
// panicked, returned nil or an invalid task): the instant stays marked as
// enqueued and is not tried again.
var ErrPeriodicSkip = errors.New("periodic instant skipped")

// clockSamples is how many times the scheduler reads the database clock
// to reckon its offset from the local one.
const clockSamples = 3

// periodicRetryDelay is how long the leader waits before it tries again an
// instant whose transaction failed.
const periodicRetryDelay = time.Second

// PeriodicEntry is a periodic task the leader enqueues.
type PeriodicEntry struct {
	// Name identifies the periodic task in the database; not empty, unique
	// among the entries.
	Name string
	// Schedule yields its instants.
	Schedule Schedule
	// Enqueue inserts the task of instant at through tx, the transaction
	// that marks the instant as enqueued. An error wrapping
	// [ErrPeriodicSkip] keeps the mark (the instant is not tried again);
	// another error rolls the mark back, and the instant is tried again
	// after a second unless a later one is due by then.
	Enqueue func(ctx context.Context, tx driver.Executor, at time.Time) error
}

// checkPeriodic validates the entries of a MaintainerConfig.
func checkPeriodic(entries []PeriodicEntry) error {
	seen := make(map[string]bool, len(entries))
	for i, e := range entries {
		switch {
		case e.Name == "":
			return fmt.Errorf("invalid maintainer config: Periodic[%d] has no name", i)
		case seen[e.Name]:
			return fmt.Errorf("invalid maintainer config: Periodic[%d]: name %q is used twice", i, e.Name)
		case e.Schedule == nil:
			return fmt.Errorf("invalid maintainer config: Periodic[%d] (%q) has no schedule", i, e.Name)
		case e.Enqueue == nil:
			return fmt.Errorf("invalid maintainer config: Periodic[%d] (%q) has no Enqueue", i, e.Name)
		}
		seen[e.Name] = true
	}
	return nil
}

// periodicState is what the scheduler knows of one entry.
type periodicState struct {
	PeriodicEntry
	due  time.Time // the instant to enqueue next (database clock)
	wake time.Time // when to try it: due, or later after a failure
}

// runPeriodic enqueues the periodic tasks while this maintainer leads,
// until ctx ends. The election loop starts it when this maintainer is
// elected and stops it when it steps down.
//
// Instants are reckoned on the database clock, read once as an offset
// from the local one, so that leaders on hosts with skewed clocks enqueue
// at the same moments. On start, an entry whose last enqueued instant is
// older than its latest instant at or before now enqueues that latest one
// at once when this maintainer was already running at that instant: it
// was missed while the leadership changed hands, not while no consumer
// ran (see missedInHandover). Other missed instants are not made up. An
// entry never enqueued before begins with its first instant after now.
func (m *Maintainer) runPeriodic(ctx context.Context) {
	offset, last, err := m.periodicStart(ctx)
	if err != nil {
		return // ctx ended
	}
	now := func() time.Time { return m.cfg.now().Add(offset) }
	states := make([]*periodicState, len(m.cfg.Periodic))
	start := now()
	m.mu.Lock()
	running := m.startedAt.Add(offset)
	m.mu.Unlock()
	for i, e := range m.cfg.Periodic {
		st := &periodicState{PeriodicEntry: e, due: e.Schedule.Next(start)}
		if l, ok := last[e.Name]; ok {
			switch prev := latestInstant(e.Schedule, start); {
			case missedInHandover(prev, l, running):
				m.log.Info("periodic task: making up the instant missed while the leadership changed hands",
					"periodic_task", e.Name, "instant", prev)
				st.due = prev
			case prev.After(l):
				m.log.Info("periodic task: an instant missed before this consumer started is not made up",
					"periodic_task", e.Name, "instant", prev, "next", st.due)
			}
		}
		st.wake = st.due
		states[i] = st
	}

	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		var wake time.Time
		for _, st := range states {
			if !st.wake.IsZero() && (wake.IsZero() || st.wake.Before(wake)) {
				wake = st.wake
			}
		}
		if wake.IsZero() {
			return // no schedule has an instant left
		}
		timer.Reset(max(0, wake.Sub(now())))
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		t := now()
		for _, st := range states {
			if st.wake.IsZero() || st.wake.After(t) {
				continue
			}
			if !m.IsLeader() {
				// The term is no longer trusted: wait for its renewal (or
				// for the election loop to stop this run).
				st.wake = t.Add(periodicRetryDelay)
				continue
			}
			m.periodicDue(ctx, st, t)
		}
	}
}

// periodicDue enqueues the latest instant of st at or before t (the one
// due, unless a later one came meanwhile) and sets the next.
func (m *Maintainer) periodicDue(ctx context.Context, st *periodicState, t time.Time) {
	at := st.due
	if latest := latestInstant(st.Schedule, t); latest.After(at) {
		at = latest
	}
	if err := m.enqueueInstant(ctx, st.PeriodicEntry, at); err != nil {
		if ctx.Err() == nil {
			m.log.Error("periodic task not enqueued; trying again", "periodic_task", st.Name, "instant", at,
				"error", err)
		}
		st.due, st.wake = at, t.Add(periodicRetryDelay)
		return
	}
	st.due = st.Schedule.Next(at)
	st.wake = st.due
}

// enqueueInstant marks instant at of e as enqueued and inserts its task,
// in one transaction: the instant is enqueued at most once, whichever
// consumer leads. It returns nil when another leader had marked it.
func (m *Maintainer) enqueueInstant(ctx context.Context, e PeriodicEntry, at time.Time) error {
	tx, err := m.cfg.Executor.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var marked bool
	err = tx.QueryRow(ctx, sqlMarkPeriodic, e.Name, timestampText(at)).Scan(&marked)
	if errors.Is(err, driver.ErrNoRows) {
		m.log.Debug("periodic instant enqueued already", "periodic_task", e.Name, "instant", at)
		return nil
	}
	if err != nil {
		return fmt.Errorf("mark the instant: %w", schemaError(err))
	}
	skipped := e.Enqueue(ctx, tx, at)
	if skipped != nil && !errors.Is(skipped, ErrPeriodicSkip) {
		return skipped
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if skipped != nil {
		m.log.Error("periodic task skipped", "periodic_task", e.Name, "instant", at, "error", skipped)
		return nil
	}
	m.log.Debug("periodic task enqueued", "periodic_task", e.Name, "instant", at)
	return nil
}

// periodicStart reads, until it succeeds or ctx ends, the offset of the
// database clock from the local one and the last instant enqueued of each
// entry.
func (m *Maintainer) periodicStart(ctx context.Context) (time.Duration, map[string]time.Time, error) {
	for {
		offset, last, err := m.periodicRead(ctx)
		if err == nil {
			return offset, last, nil
		}
		if ctx.Err() != nil {
			return 0, nil, ctx.Err()
		}
		m.log.Warn("periodic tasks: could not read the database; trying again", "error", err)
		select {
		case <-ctx.Done():
			return 0, nil, ctx.Err()
		case <-time.After(periodicRetryDelay):
		}
	}
}

// periodicRead reads the clock offset and the last instants once.
func (m *Maintainer) periodicRead(ctx context.Context) (time.Duration, map[string]time.Time, error) {
	// The reading of the quickest of a few round trips is the closest to
	// its midpoint (the first may include opening a connection).
	var (
		offset time.Duration
		best   = time.Duration(-1)
	)
	for range clockSamples {
		sent := m.cfg.now()
		var db time.Time
		if err := m.cfg.Executor.QueryRow(ctx, sqlClockNow).Scan(&db); err != nil {
			return 0, nil, fmt.Errorf("read the database clock: %w", err)
		}
		rtt := m.cfg.now().Sub(sent)
		if best < 0 || rtt < best {
			best, offset = rtt, db.Sub(sent.Add(rtt/2))
		}
	}

	names := make([]string, len(m.cfg.Periodic))
	for i, e := range m.cfg.Periodic {
		names[i] = e.Name
	}
	rows, err := m.cfg.Executor.Query(ctx, sqlPeriodicLast, names)
	if err != nil {
		return 0, nil, fmt.Errorf("read the last instants: %w", schemaError(err))
	}
	defer rows.Close()
	last := make(map[string]time.Time, len(names))
	for rows.Next() {
		var (
			name string
			at   time.Time
		)
		if err := rows.Scan(&name, &at); err != nil {
			return 0, nil, fmt.Errorf("read the last instants: %w", err)
		}
		last[name] = at
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("read the last instants: %w", err)
	}
	return offset, last, nil
}

// missedInHandover reports whether instant prev, the latest of an entry
// at or before now, is one to make up: later than last, the latest
// enqueued, and no earlier than running, when this maintainer started
// (both on the database clock). Such an instant fell while this
// maintainer ran without leading, in the gap between the previous
// leader's end and this one's election. An instant before running fell
// before this consumer ran, maybe while none ran, and is not made up.
func missedInHandover(prev, last, running time.Time) bool {
	return !prev.IsZero() && prev.After(last) && !prev.Before(running)
}
