package observability

import "context"
import "errors"
import "fmt"
import "log/slog"
import "sort"
import "sync"
import "time"

import "go.opentelemetry.io/otel"
import "go.opentelemetry.io/otel/attribute"
import "go.opentelemetry.io/otel/metric"

import "github.com/yakser/asynqpg"

// Names of the queue-health gauges.
const (
	// MetricQueueTasks is the number of tasks in the table, by task_type
	// and status (pending, running, failed, cancelled).
	MetricQueueTasks = "asynqpg.queue.tasks"
	// MetricQueueOldestReadyAge is how long the oldest ready pending task
	// of a type has been ready (now minus its blocked_till), in seconds;
	// 0 when none is ready.
	MetricQueueOldestReadyAge = "asynqpg.queue.oldest_ready_age"
)

// Defaults of [QueueHealthConfig].
const (
	// DefaultQueueHealthInterval is how long one reading of the table
	// serves the gauges.
	DefaultQueueHealthInterval = 15 * time.Second
	// DefaultQueueHealthTimeout bounds one reading.
	DefaultQueueHealthTimeout = 5 * time.Second
)

// QueueStatuses are the statuses the asynqpg.queue.tasks gauge reports.
// Completed tasks are left out on purpose: they are the bulk of a table
// that retains them, so counting them would read the whole table every
// period; their rate is asynqpg.tasks.processed{status="completed"}.
var QueueStatuses = []asynqpg.TaskStatus{
	asynqpg.TaskStatusPending,
	asynqpg.TaskStatusRunning,
	asynqpg.TaskStatusFailed,
	asynqpg.TaskStatusCancelled,
}

// QueueStat is one row of a queue-health reading: the tasks of one type in
// one status.
type QueueStat struct {
	// Type is the task type.
	Type string
	// Status is one of [QueueStatuses].
	Status asynqpg.TaskStatus
	// Count is the number of tasks of Type in Status.
	Count int64
	// OldestReady is, for pending tasks, how long the oldest one that is
	// ready (blocked_till passed) has been ready; 0 otherwise.
	OldestReady time.Duration
}

// QueueHealthConfig configures [NewQueueHealth].
type QueueHealthConfig struct {
	// MeterProvider registers the gauges; nil means the global one.
	MeterProvider metric.MeterProvider
	// Read reads the figures of every type with one statement. Required.
	Read func(ctx context.Context) ([]QueueStat, error)
	// Interval is how long one reading serves the gauges: a collection
	// within Interval of the last reading reuses it. Default 15s.
	Interval time.Duration
	// Timeout bounds one reading. Default 5s.
	Timeout time.Duration
	// Active, when set, gates the gauges: while it returns false they
	// observe nothing and nothing is read (a consumer passes its
	// leadership, so one process reports the queue).
	Active func() bool
	// Logger receives a warning when a reading fails; nil discards it.
	Logger *slog.Logger
	// OnError, when set, is called with every failed reading.
	OnError func(error)
}

// QueueHealth reports the queue-health gauges. The figures are read on
// collection, at most once per Interval, by one statement for every type
// and status; when no reader collects (no MeterProvider installed), the
// database is never asked.
type QueueHealth struct {
	cfg   QueueHealthConfig
	tasks metric.Int64ObservableGauge
	age   metric.Float64ObservableGauge
	reg   metric.Registration

	mu     sync.Mutex
	readAt time.Time // when the last reading was tried (zero: never)
	stats  []QueueStat
	known  map[string]bool // types seen, reported (as zero) until the process ends
}

// NewQueueHealth registers the gauges asynqpg.queue.tasks and
// asynqpg.queue.oldest_ready_age. Close unregisters them.
func NewQueueHealth(cfg QueueHealthConfig) (*QueueHealth, error) {
	if cfg.Read == nil {
		return nil, errors.New("observability: QueueHealthConfig.Read is required")
	}
	if cfg.Interval < 0 {
		return nil, fmt.Errorf("observability: QueueHealthConfig.Interval is %v: must not be negative", cfg.Interval)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("observability: QueueHealthConfig.Timeout is %v: must not be negative", cfg.Timeout)
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultQueueHealthInterval
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultQueueHealthTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	mp := cfg.MeterProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	meter := mp.Meter(asynqpg.InstrumentationName)
	q := &QueueHealth{cfg: cfg, known: make(map[string]bool)}
	var err error
	q.tasks, err = meter.Int64ObservableGauge(MetricQueueTasks,
		metric.WithDescription("Number of tasks in the queue table, by type and status (completed tasks are not counted)."),
		metric.WithUnit("{task}"))
	if err != nil {
		return nil, fmt.Errorf("observability: create %s gauge: %w", MetricQueueTasks, err)
	}
	q.age, err = meter.Float64ObservableGauge(MetricQueueOldestReadyAge,
		metric.WithDescription("How long the oldest ready pending task of a type has been waiting since it became ready."),
		metric.WithUnit("s"))
	if err != nil {
		return nil, fmt.Errorf("observability: create %s gauge: %w", MetricQueueOldestReadyAge, err)
	}
	q.reg, err = meter.RegisterCallback(q.observe, q.tasks, q.age)
	if err != nil {
		return nil, fmt.Errorf("observability: register queue health callback: %w", err)
	}
	return q, nil
}

// Close unregisters the gauges.
func (q *QueueHealth) Close() error {
	if err := q.reg.Unregister(); err != nil {
		return fmt.Errorf("observability: unregister queue health: %w", err)
	}
	return nil
}

// observe is the gauges' callback.
func (q *QueueHealth) observe(ctx context.Context, o metric.Observer) error {
	if q.cfg.Active != nil && !q.cfg.Active() {
		q.forget()
		return nil
	}
	stats, types, ok := q.reading(ctx)
	if !ok {
		return nil
	}
	counts := make(map[string]map[asynqpg.TaskStatus]int64, len(types))
	ages := make(map[string]time.Duration, len(types))
	for _, s := range stats {
		if counts[s.Type] == nil {
			counts[s.Type] = make(map[asynqpg.TaskStatus]int64, len(QueueStatuses))
		}
		counts[s.Type][s.Status] += s.Count
		if s.OldestReady > ages[s.Type] {
			ages[s.Type] = s.OldestReady
		}
	}
	for _, t := range types {
		tt := asynqpg.AttrTaskType.String(t)
		for _, st := range QueueStatuses {
			o.ObserveInt64(q.tasks, counts[t][st],
				metric.WithAttributeSet(attribute.NewSet(tt, asynqpg.AttrStatus.String(string(st)))))
		}
		o.ObserveFloat64(q.age, ages[t].Seconds(), metric.WithAttributeSet(attribute.NewSet(tt)))
	}
	return nil
}

// reading returns the current reading and the types to report, reading
// the table when the last reading is older than Interval. ok is false
// when there is no usable reading (the last one failed).
func (q *QueueHealth) reading(ctx context.Context) (stats []QueueStat, types []string, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.readAt.IsZero() || time.Since(q.readAt) >= q.cfg.Interval {
		q.readAt = time.Now()
		rctx, cancel := context.WithTimeout(ctx, q.cfg.Timeout)
		read, err := q.cfg.Read(rctx)
		cancel()
		if err != nil {
			q.stats = nil
			q.cfg.Logger.WarnContext(ctx, "asynqpg: reading the queue health figures failed", "error", err)
			if q.cfg.OnError != nil {
				q.cfg.OnError(err)
			}
		} else {
			q.stats = read
			if q.stats == nil {
				q.stats = []QueueStat{}
			}
			for _, s := range read {
				q.known[s.Type] = true
			}
		}
	}
	if q.stats == nil {
		return nil, nil, false
	}
	types = make([]string, 0, len(q.known))
	for t := range q.known {
		types = append(types, t)
	}
	sort.Strings(types)
	return q.stats, types, true
}

// forget drops the reading, so the next active collection reads afresh.
func (q *QueueHealth) forget() {
	q.mu.Lock()
	q.readAt, q.stats = time.Time{}, nil
	q.mu.Unlock()
}
