package engine

import "errors"
import "fmt"
import "log/slog"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"

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
	// Periodic are the periodic tasks this maintainer enqueues while it
	// leads (see runPeriodic). Names must be unique and not empty.
	Periodic []PeriodicEntry
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
	if err := checkPeriodic(c.Periodic); err != nil {
		return c, err
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
