package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/driver"
)

// Defaults of [MaintainerConfig].
const (
	// DefaultLeaderName is the leadership contested when none is named.
	DefaultLeaderName = "default"
	// DefaultLeaderTTL is the length of a leader's term.
	DefaultLeaderTTL = 15 * time.Second
	// DefaultJanitorInterval is how often the leader runs maintenance.
	DefaultJanitorInterval = 30 * time.Second
	// DefaultStuckThreshold is how long past its lease a running task is
	// left alone before the rescuer acts.
	DefaultStuckThreshold = time.Minute
	// DefaultCompletedRetention is how long completed tasks are kept.
	DefaultCompletedRetention = 24 * time.Hour
	// DefaultFailedRetention is how long failed tasks are kept.
	DefaultFailedRetention = 7 * 24 * time.Hour
	// DefaultCancelledRetention is how long cancelled tasks are kept.
	DefaultCancelledRetention = 24 * time.Hour
	// DefaultMaintenanceBatchSize is the most rows one maintenance
	// statement touches.
	DefaultMaintenanceBatchSize = 1000
)

// minBatchSize is the floor a maintenance batch is halved down to when its
// statements time out.
const minBatchSize = 10

// resignTimeout bounds the statement that resigns leadership on Stop.
const resignTimeout = 5 * time.Second

// errNotLeader stops a maintenance run whose leadership ended.
var errNotLeader = errors.New("leadership ended")

// MaintainerConfig configures a [Maintainer]. Zero durations and sizes
// take their defaults; negative ones are an error.
type MaintainerConfig struct {
	// Executor runs the statements; it must be backed by a pool, not a
	// transaction (terms and cut-offs are computed from the database's
	// now(), which a transaction freezes). Required.
	Executor driver.Executor
	// ClientID identifies this consumer in elections. It must be unique
	// among the consumers sharing a database. Required.
	ClientID string
	// Logger receives the maintainer's logs; nil discards them.
	Logger *slog.Logger
	// LeaderName names the leadership contested; consumers with the same
	// name elect one leader among themselves. Default "default".
	LeaderName string
	// LeaderTTL is the length of a term. A leader that dies without
	// resigning is replaced within LeaderTTL + ElectInterval. The leader
	// trusts its term only until LeaderTTL/5 before it ends, measured on
	// its own monotonic clock. Default 15s.
	LeaderTTL time.Duration
	// ElectInterval is how often a follower tries to become leader and the
	// leader renews its term. It must be shorter than 4/5 of LeaderTTL.
	// Default LeaderTTL/3.
	ElectInterval time.Duration
	// JanitorInterval is how often the leader runs the rescuer and the
	// cleaner; it also runs them as soon as it is elected. Default 30s.
	JanitorInterval time.Duration
	// StuckThreshold is how long past its lease (blocked_till) a running
	// task is left alone before the rescuer returns it to pending, or
	// fails it when no attempt is left. Default 1m.
	StuckThreshold time.Duration
	// CompletedRetention is how long after finishing a completed task is
	// deleted. Default 24h.
	CompletedRetention time.Duration
	// FailedRetention is how long after failing a failed task is deleted.
	// Default 7 days.
	FailedRetention time.Duration
	// CancelledRetention is how long after its cancellation a cancelled
	// task is deleted. Default 24h.
	CancelledRetention time.Duration
	// BatchSize is the most rows one maintenance statement touches; the
	// rescuer and the cleaner repeat their statements until a batch comes
	// back short. A statement that hits the database's statement_timeout
	// is retried with half the batch, down to 10 rows. Default 1000.
	BatchSize int
	// ErrorHandler, when set, is called once for every task the rescuer
	// fails because its last attempt was lost, with [ErrAttemptStuck].
	ErrorHandler asynqpg.ErrorHandler
	// OnLeadershipChange, when set, is called with true when this
	// maintainer becomes leader and with false when it stops being one.
	// It is called from the election loop and must not block.
	OnLeadershipChange func(isLeader bool)

	// now reads the local clock; nil means time.Now. Only differences of
	// its readings are used (deadlines of terms), never sent to the
	// database.
	now func() time.Time
}

// withDefaults validates c and fills in its defaults.
func (c MaintainerConfig) withDefaults() (MaintainerConfig, error) {
	if c.Executor == nil {
		return c, errors.New("invalid maintainer config: Executor is required")
	}
	if c.ClientID == "" {
		return c, errors.New("invalid maintainer config: ClientID is required")
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"LeaderTTL", c.LeaderTTL},
		{"ElectInterval", c.ElectInterval},
		{"JanitorInterval", c.JanitorInterval},
		{"StuckThreshold", c.StuckThreshold},
		{"CompletedRetention", c.CompletedRetention},
		{"FailedRetention", c.FailedRetention},
		{"CancelledRetention", c.CancelledRetention},
	} {
		if d.v < 0 {
			return c, fmt.Errorf("invalid maintainer config: %s must not be negative (got %v)", d.name, d.v)
		}
	}
	if c.BatchSize < 0 {
		return c, fmt.Errorf("invalid maintainer config: BatchSize must not be negative (got %d)", c.BatchSize)
	}
	setDefault(&c.LeaderName, DefaultLeaderName)
	setDefault(&c.LeaderTTL, DefaultLeaderTTL)
	setDefault(&c.ElectInterval, c.LeaderTTL/3)
	setDefault(&c.JanitorInterval, DefaultJanitorInterval)
	setDefault(&c.StuckThreshold, DefaultStuckThreshold)
	setDefault(&c.CompletedRetention, DefaultCompletedRetention)
	setDefault(&c.FailedRetention, DefaultFailedRetention)
	setDefault(&c.CancelledRetention, DefaultCancelledRetention)
	setDefault(&c.BatchSize, DefaultMaintenanceBatchSize)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if trusted := c.LeaderTTL - leaderMargin(c.LeaderTTL); c.ElectInterval >= trusted {
		return c, fmt.Errorf("invalid maintainer config: ElectInterval (%v) must be shorter than 4/5 of LeaderTTL (%v), "+
			"so that a term is renewed before the leader stops trusting it", c.ElectInterval, trusted)
	}
	return c, nil
}

// setDefault sets *v to def when it is the zero value.
func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// leaderMargin is how long before the end of a term, as the database
// granted it, the leader stops trusting it.
func leaderMargin(ttl time.Duration) time.Duration { return ttl / 5 }

// MaintenanceResult counts what one maintenance run did.
type MaintenanceResult struct {
	// Requeued counts stuck tasks returned to pending.
	Requeued int
	// Failed counts stuck tasks failed because no attempt was left.
	Failed int
	// DeletedCompleted counts completed tasks deleted.
	DeletedCompleted int
	// DeletedFailed counts failed tasks deleted.
	DeletedFailed int
	// DeletedCancelled counts cancelled tasks deleted.
	DeletedCancelled int
}

// Maintainer elects one leader among the consumers sharing a database and,
// while it is the leader, runs the maintenance of the task table every
// JanitorInterval: the rescuer returns tasks stuck in running past their
// lease to pending (or fails them when their last attempt was lost), and the
// cleaner deletes finalized tasks older than their retention.
//
// Leadership terms come from the database clock; the local clock only
// measures how long a term may be trusted, so a host whose wall clock is
// wrong neither elects a second leader nor rescues early. A leader that
// cannot renew its term, or learns that it lost it, stops maintenance at
// once and becomes a follower.
type Maintainer struct {
	cfg     MaintainerConfig
	log     *slog.Logger
	elector elector

	mu          sync.Mutex
	started     bool
	stopping    bool
	cancel      context.CancelFunc
	done        chan struct{} // closed when the election loop has returned
	stopped     chan struct{} // closed when Stop has finished
	leading     bool
	deadline    time.Time // local clock: the term is trusted before it
	mayHoldTerm bool      // the database may still hold a term of ours
}

// NewMaintainer validates cfg and returns a Maintainer; Start runs it.
func NewMaintainer(cfg MaintainerConfig) (*Maintainer, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Maintainer{
		cfg: cfg,
		log: cfg.Logger.With("component", "asynqpg.maintainer", "client_id", cfg.ClientID),
		elector: elector{
			ex:     cfg.Executor,
			name:   cfg.LeaderName,
			id:     cfg.ClientID,
			ttl:    cfg.LeaderTTL,
			margin: leaderMargin(cfg.LeaderTTL),
			now:    cfg.now,
		},
		done:    make(chan struct{}),
		stopped: make(chan struct{}),
	}, nil
}

// Start begins contesting the leadership in the background, and running
// maintenance whenever this maintainer is the leader. When ctx ends, the
// maintainer stops without resigning, as if its process had died: its term
// lapses after LeaderTTL. Stop ends it and resigns. A Maintainer starts
// once.
func (m *Maintainer) Start(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopping {
		return errors.New("maintainer: already stopped")
	}
	if m.started {
		return errors.New("maintainer: already started")
	}
	m.started = true
	ctx, m.cancel = context.WithCancel(ctx)
	m.log.Debug("maintainer started", "leader_name", m.cfg.LeaderName, "leader_ttl", m.cfg.LeaderTTL,
		"elect_interval", m.cfg.ElectInterval, "janitor_interval", m.cfg.JanitorInterval)
	go m.run(ctx)
	return nil
}

// Stop stops maintenance and the election loop, waits for them to return,
// and resigns the leadership if this maintainer may hold it, so that
// another consumer takes over at once. It may be called more than once, and
// before Start.
func (m *Maintainer) Stop() {
	m.mu.Lock()
	if m.stopping {
		m.mu.Unlock()
		<-m.stopped
		return
	}
	m.stopping = true
	started, cancel := m.started, m.cancel
	m.mu.Unlock()
	defer close(m.stopped)
	if !started {
		return
	}
	cancel()
	<-m.done

	m.mu.Lock()
	resign := m.mayHoldTerm
	m.mayHoldTerm = false
	m.mu.Unlock()
	if !resign {
		return
	}
	ctx, cancelResign := context.WithTimeout(context.Background(), resignTimeout)
	defer cancelResign()
	if err := m.elector.resign(ctx); err != nil {
		m.log.Warn("could not resign; the term lapses by itself", "error", err)
		return
	}
	m.log.Debug("resigned leadership")
}

// IsLeader reports whether this maintainer holds the leadership now: it was
// elected and its term, as measured on the local monotonic clock, has not
// reached its safety margin.
func (m *Maintainer) IsLeader() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.leading && m.cfg.now().Before(m.deadline)
}

// RunOnce runs the rescuer and then the cleaner now, whether or not this
// maintainer is the leader, and returns what they did. It is meant for
// tests and tools; running it while another consumer maintains the table is
// safe, since every statement locks the rows it changes and skips those
// locked by others.
func (m *Maintainer) RunOnce(ctx context.Context) (MaintenanceResult, error) {
	return m.maintain(ctx, nil)
}

// maintain runs the rescuer and the cleaner. guard, when not nil, is asked
// before every statement whether to go on.
//
// With a guard (the leader's own runs) every statement is also fenced in
// the database: it changes nothing unless this maintainer holds an
// unexpired term by the database clock.
func (m *Maintainer) maintain(ctx context.Context, guard func() bool) (MaintenanceResult, error) {
	var res MaintenanceResult
	fenced := guard != nil
	if err := m.rescue(ctx, guard, fenced, &res); err != nil {
		return res, err
	}
	if err := m.clean(ctx, guard, fenced, &res); err != nil {
		return res, err
	}
	return res, nil
}

// batches runs step, which handles up to limit rows and returns how many it
// handled, until a batch comes back short. A statement that times out
// (SQLSTATE 57014 while ctx is live) is retried with half the batch, down
// to minBatchSize.
func (m *Maintainer) batches(ctx context.Context, what string, guard func() bool,
	step func(ctx context.Context, limit int) (int, error),
) error {
	size := m.cfg.BatchSize
	floor := min(minBatchSize, size)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if guard != nil && !guard() {
			return errNotLeader
		}
		n, err := step(ctx, size)
		if err != nil {
			if ctx.Err() == nil && driver.SQLState(err) == driver.CodeQueryCanceled && size > floor {
				size = max(size/2, floor)
				m.log.Info("maintenance statement timed out; halving its batch",
					"work", what, "batch_size", size, "error", err)
				continue
			}
			return err
		}
		if n < size {
			return nil
		}
	}
}

// run is the election loop: a follower tries to become leader, the leader
// renews its term, every ElectInterval.
func (m *Maintainer) run(ctx context.Context) {
	defer close(m.done)
	var stopJanitor func()
	stepDown := func() {
		if stopJanitor != nil {
			stopJanitor()
			stopJanitor = nil
		}
		m.mu.Lock()
		was := m.leading
		m.leading, m.deadline = false, time.Time{}
		m.mu.Unlock()
		if was {
			m.notify(false)
		}
	}

	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			stepDown()
			return
		case <-timer.C:
		}
		sent := m.cfg.now()
		m.mu.Lock()
		leading, deadline := m.leading, m.deadline
		m.mu.Unlock()

		if leading {
			rctx, cancel := context.WithTimeout(ctx, deadline.Sub(sent))
			next, ok, err := m.elector.renew(rctx)
			cancel()
			switch {
			case err != nil:
				if ctx.Err() == nil {
					m.log.Warn("lost leadership: could not renew the term", "error", err)
				}
				stepDown()
			case !ok:
				m.mu.Lock()
				m.mayHoldTerm = false
				m.mu.Unlock()
				m.log.Info("lost leadership: the term ended")
				stepDown()
			default:
				m.mu.Lock()
				m.deadline = next
				m.mu.Unlock()
			}
		} else {
			ectx, cancel := context.WithTimeout(ctx, m.cfg.LeaderTTL)
			next, ok, err := m.elector.elect(ectx)
			cancel()
			switch {
			case err != nil:
				// The statement may have committed: a term of ours may exist.
				m.mu.Lock()
				m.mayHoldTerm = true
				m.mu.Unlock()
				if ctx.Err() == nil {
					m.log.Warn("leader election failed", "error", err)
				}
			case ok:
				m.mu.Lock()
				m.leading, m.deadline, m.mayHoldTerm = true, next, true
				m.mu.Unlock()
				m.log.Info("became leader")
				stopJanitor = m.startJanitor(ctx)
				m.notify(true)
			}
		}
		timer.Reset(max(0, m.cfg.ElectInterval-m.cfg.now().Sub(sent)))
	}
}

// notify reports a change of leadership to OnLeadershipChange.
func (m *Maintainer) notify(isLeader bool) {
	if m.cfg.OnLeadershipChange == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			m.log.Error("OnLeadershipChange panicked", "panic", fmt.Sprint(p))
		}
	}()
	m.cfg.OnLeadershipChange(isLeader)
}

// startJanitor runs maintenance at once and then every JanitorInterval
// until the returned function is called; that function cancels a run in
// progress and waits for it to return.
func (m *Maintainer) startJanitor(parent context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(parent)
	done := make(chan struct{})
	go func() {
		defer close(done)
		timer := time.NewTimer(0)
		defer timer.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
			res, err := m.maintain(ctx, m.IsLeader)
			switch {
			case err == nil:
				m.log.Debug("maintenance done", res.logAttrs()...)
			case ctx.Err() != nil || errors.Is(err, errNotLeader):
				m.log.Debug("maintenance interrupted: leadership ended", "error", err)
			default:
				m.log.Error("maintenance failed", "error", err)
			}
			timer.Reset(m.cfg.JanitorInterval)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// logAttrs are the attributes logged with the result of a maintenance run.
func (r MaintenanceResult) logAttrs() []any {
	return []any{
		slog.Int("requeued", r.Requeued),
		slog.Int("failed", r.Failed),
		slog.Int("deleted_completed", r.DeletedCompleted),
		slog.Int("deleted_failed", r.DeletedFailed),
		slog.Int("deleted_cancelled", r.DeletedCancelled),
	}
}

// fence returns the leader name and ID that fence a maintenance statement,
// or NULLs for an unfenced one.
func (m *Maintainer) fence(fenced bool) (name, id *string) {
	if !fenced {
		return nil, nil
	}
	return &m.cfg.LeaderName, &m.cfg.ClientID
}
