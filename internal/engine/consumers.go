package engine

import "context"
import "encoding/json"
import "errors"
import "fmt"
import "log/slog"
import "os"
import "sync"
import "time"

import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/startstop"

// DefaultHeartbeatInterval is how often a consumer renews its row of
// asynqpg_consumers when no interval is given.
const DefaultHeartbeatInterval = 5 * time.Second

// LivenessIntervals is how many heartbeat intervals a consumer stays live
// after its last heartbeat: a consumer whose process died is no longer
// listed once that many of its intervals have passed (by the database
// clock) without a heartbeat.
const LivenessIntervals = 3

// Bounds of the heartbeat's statements.
const (
	// deregisterTimeout bounds the statement that deletes a consumer's
	// row on Stop.
	deregisterTimeout = 5 * time.Second
	// minBeatTimeout is the least time a heartbeat's write is given.
	minBeatTimeout = time.Second
)

// HeartbeatConfig configures a [Heartbeat].
type HeartbeatConfig struct {
	// Executor runs the statements; it must be backed by a pool, not a
	// transaction (liveness is computed from the database's now(), which a
	// transaction freezes). Required.
	Executor driver.Executor
	// ID identifies the consumer; it must be unique among the consumers
	// sharing a database (the consumer's ClientID). Required.
	ID string
	// Workers maps each task type the consumer serves to its number of
	// workers. Required, non-empty.
	Workers map[string]int
	// Interval is how often the heartbeat renews the row. Default
	// DefaultHeartbeatInterval.
	Interval time.Duration
	// Hostname is recorded with the row. Default: os.Hostname.
	Hostname string
	// PID is recorded with the row. Default: os.Getpid.
	PID int
	// Logger receives the heartbeat's logs; nil discards them.
	Logger *slog.Logger
}

// Heartbeat keeps a consumer's row of asynqpg_consumers: Start writes it,
// a loop renews it every Interval, and Stop deletes it. Each heartbeat
// also deletes the rows of consumers that are no longer live, with a
// statement of its own. A Heartbeat may be started again after Stop.
type Heartbeat struct {
	cfg     HeartbeatConfig
	log     *slog.Logger
	workers string // cfg.Workers as a JSON object
	loop    startstop.Base

	mu        sync.Mutex
	startedAt *time.Time // the row's started_at; nil while not registered
	failing   bool       // the last renewal failed
}

// NewHeartbeat validates cfg and returns a Heartbeat; Start runs it.
func NewHeartbeat(cfg HeartbeatConfig) (*Heartbeat, error) {
	switch {
	case cfg.Executor == nil:
		return nil, errors.New("heartbeat: Executor is required")
	case cfg.ID == "":
		return nil, errors.New("heartbeat: ID is required")
	case len(cfg.Workers) == 0:
		return nil, errors.New("heartbeat: Workers must name at least one task type")
	case cfg.Interval < 0:
		return nil, fmt.Errorf("heartbeat: Interval is %v: must not be negative", cfg.Interval)
	}
	for typ, n := range cfg.Workers {
		if typ == "" || n < 1 {
			return nil, fmt.Errorf("heartbeat: Workers[%q] is %d: a task type must be named and have a worker", typ, n)
		}
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultHeartbeatInterval
	}
	if cfg.Hostname == "" {
		cfg.Hostname, _ = os.Hostname()
	}
	if cfg.PID == 0 {
		cfg.PID = os.Getpid()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	workers, err := json.Marshal(cfg.Workers)
	if err != nil {
		return nil, fmt.Errorf("heartbeat: Workers: %w", err)
	}
	return &Heartbeat{
		cfg:     cfg,
		log:     log.With("component", "asynqpg.heartbeat", "client_id", cfg.ID),
		workers: string(workers),
	}, nil
}

// Window is how long the consumer stays live after a heartbeat:
// LivenessIntervals times Interval.
func (h *Heartbeat) Window() time.Duration {
	return LivenessIntervals * h.cfg.Interval
}

// Start writes the consumer's row, with started_at now by the database
// clock, and renews it every Interval in the background until Stop, which
// deletes it. When ctx ends first the renewals stop and the row is left to
// expire, as if the process had died. A database without the table
// returns an error matching
// asynqpg.ErrSchemaNotMigrated. Start while running does nothing.
func (h *Heartbeat) Start(ctx context.Context) error {
	if h.loop.Running() {
		return nil
	}
	h.mu.Lock()
	h.startedAt = nil
	h.mu.Unlock()
	if err := h.beat(ctx); err != nil {
		return err
	}
	h.loop.Start(ctx, h.run)
	return nil
}

// Stop stops the renewals and deletes the consumer's row, so that it is
// no longer listed. A failed delete is logged: the row then expires by
// itself. Stop before Start, or twice, does nothing; so does Stop on a nil
// Heartbeat, which a consumer without handlers has.
func (h *Heartbeat) Stop() {
	if h == nil {
		return
	}
	h.loop.Stop()
	h.mu.Lock()
	registered := h.startedAt != nil
	h.startedAt = nil
	h.mu.Unlock()
	if !registered {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), deregisterTimeout)
	defer cancel()
	if _, err := h.cfg.Executor.Exec(ctx, sqlDeleteConsumer, h.cfg.ID); err != nil {
		h.log.Warn("could not delete the consumer's row; it expires by itself", "error", err)
	}
}

// StopBeating stops the renewals without deleting the row, as if the
// process had died: the row stops being live once Window has passed since
// the last heartbeat. Meant for tests.
func (h *Heartbeat) StopBeating() {
	h.loop.Stop()
	h.mu.Lock()
	h.startedAt = nil
	h.mu.Unlock()
}

// run renews the row every Interval until ctx ends.
func (h *Heartbeat) run(ctx context.Context) {
	repeat(ctx, h.cfg.Interval, nil, func() time.Duration {
		err := h.beat(ctx)
		h.mu.Lock()
		wasFailing := h.failing
		h.failing = err != nil
		h.mu.Unlock()
		switch {
		case err != nil && ctx.Err() == nil && !wasFailing:
			h.log.Warn("heartbeat failed; trying again every interval", "error", err)
		case err == nil && wasFailing:
			h.log.Info("heartbeat renewed again")
		}
		return h.cfg.Interval
	})
}

// beat writes the row once, bounded by the liveness window (a renewal
// that takes longer is too late to matter), but never by less than
// minBeatTimeout, so that a very short interval does not fail every write.
func (h *Heartbeat) beat(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, max(h.Window(), minBeatTimeout))
	defer cancel()
	h.mu.Lock()
	startedAt := h.startedAt
	h.mu.Unlock()
	var got time.Time
	err := h.cfg.Executor.QueryRow(ctx, sqlBeatConsumer, h.cfg.ID, h.cfg.Hostname, int64(h.cfg.PID),
		h.workers, h.Window().Microseconds(), startedAt).Scan(&got)
	if err != nil {
		return fmt.Errorf("record the consumer: %w", schemaError(err))
	}
	got = got.UTC()
	h.mu.Lock()
	h.startedAt = &got
	h.mu.Unlock()
	// The rows of dead consumers: their deletion failing changes nothing
	// for this one, and the next heartbeat tries again.
	if _, err := h.cfg.Executor.Exec(ctx, sqlDeleteStaleConsumers, h.cfg.ID); err != nil && ctx.Err() == nil {
		h.log.Debug("could not delete the rows of dead consumers", "error", err)
	}
	return nil
}

// ConsumerRow is a live consumer's row of asynqpg_consumers.
type ConsumerRow struct {
	// ID is the consumer's ClientID.
	ID string
	// Hostname and PID name the process.
	Hostname string
	PID      int64
	// Workers maps each task type the consumer serves to its number of
	// workers.
	Workers map[string]int
	// StartedAt is when the consumer started, HeartbeatAt its last
	// heartbeat, both by the database clock, in UTC.
	StartedAt   time.Time
	HeartbeatAt time.Time
}

// ListConsumers returns the live consumers, oldest first: those whose last
// heartbeat is younger than their liveness window.
func ListConsumers(ctx context.Context, ex driver.Executor) ([]ConsumerRow, error) {
	type scanned struct {
		row     ConsumerRow
		workers string
	}
	all, err := queryAll(ctx, ex, "list consumers", func(rows driver.Rows) (scanned, error) {
		var c scanned
		r := &c.row
		err := rows.Scan(&r.ID, &r.Hostname, &r.PID, &c.workers, &r.StartedAt, &r.HeartbeatAt)
		return c, err
	}, sqlListConsumers)
	if err != nil {
		return nil, err
	}
	out := make([]ConsumerRow, len(all))
	for i, c := range all {
		r := c.row
		if err := json.Unmarshal([]byte(c.workers), &r.Workers); err != nil {
			return nil, fmt.Errorf("list consumers: workers of %q: %w", r.ID, err)
		}
		r.StartedAt, r.HeartbeatAt = r.StartedAt.UTC(), r.HeartbeatAt.UTC()
		out[i] = r
	}
	return out, nil
}

// ListUnservedTypes returns, in name order, the task types that have a
// pending task ready now and no live consumer serving them: tasks that
// wait for a consumer that is not there (a type mistyped, or its consumers
// all stopped). Whether a type is paused does not matter.
func ListUnservedTypes(ctx context.Context, ex driver.Executor) ([]string, error) {
	return queryAll(ctx, ex, "list unserved task types", scanString, sqlListUnservedTypes)
}
