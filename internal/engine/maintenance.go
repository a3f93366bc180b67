package engine

import "context"
import "errors"
import "log/slog"
import "sync"
import "time"

import "github.com/yakser/asynqpg/internal/startstop"

// resignTimeout bounds the statement that resigns leadership on Stop.
const resignTimeout = 5 * time.Second

// Maintainer elects one leader among the consumers sharing a database and,
// while it is the leader, runs the maintenance of the task table every
// JanitorInterval: the rescuer returns tasks stuck in running past their
// lease to pending (or fails them when their last attempt was lost), and the
// cleaner deletes finalized tasks older than their retention. While it
// leads it also enqueues the periodic tasks of its configuration (see
// runPeriodic).
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

	election startstop.Base // the election loop, run
	janitor  startstop.Base // maintenance while leading, runJanitor
	periodic startstop.Base // periodic tasks while leading, runPeriodic
	stopOnce sync.Once      // Stop's work, done once; later calls wait for it

	mu          sync.Mutex
	started     bool
	startedAt   time.Time // local clock: when Start ran
	stopping    bool
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
	m.startedAt = m.cfg.now()
	m.log.Debug("maintainer started", "leader_name", m.cfg.LeaderName, "leader_ttl", m.cfg.LeaderTTL,
		"elect_interval", m.cfg.ElectInterval, "janitor_interval", m.cfg.JanitorInterval)
	m.election.Start(ctx, m.run)
	return nil
}

// Stop stops maintenance and the election loop, waits for them to return,
// and resigns the leadership if this maintainer may hold it, so that
// another consumer takes over at once. It may be called more than once, and
// before Start; on a nil Maintainer, which a consumer with maintenance
// disabled has, it does nothing.
func (m *Maintainer) Stop() {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.stopping = true
	m.mu.Unlock()
	m.stopOnce.Do(m.stop)
}

// stop is the work of the first Stop.
func (m *Maintainer) stop() {
	m.election.Stop()

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
