package harness

import "context"
import "errors"
import "time"

import "github.com/jackc/pgx/v5"
import "github.com/jackc/pgx/v5/pgxpool"
import "github.com/riverqueue/river"
import "github.com/riverqueue/river/riverdriver/riverpgxv5"

// RiverSettings are the River client settings a benchmark varies.
type RiverSettings struct {
	// FetchCooldown and FetchPollInterval; zero takes River's defaults
	// (100ms and 1s).
	FetchCooldown, FetchPollInterval time.Duration
	// Fast makes InsertBatch use InsertManyFast (COPY, no results)
	// instead of InsertMany.
	Fast bool
}

// RiverTuned are the settings River's own documentation suggests for low
// latency and high throughput: fetch as often as every millisecond, poll
// every 10ms.
var RiverTuned = RiverSettings{FetchCooldown: time.Millisecond, FetchPollInterval: 10 * time.Millisecond}

// RiverDefault are River's default settings.
var RiverDefault = RiverSettings{}

// River returns River with the given settings, identified by id and
// named name.
func River(id, name string, s RiverSettings) System {
	return System{
		ID:     id,
		Name:   name,
		Schema: SchemaRiver,
		Table:  "river_job",
		Open: func(ctx context.Context, url string, o Options) (Queue, error) {
			return OpenRiver(ctx, url, s, o)
		},
	}
}

// noopArgs are the arguments of a River no-op job.
type noopArgs struct{}

// Kind is the job's kind.
func (noopArgs) Kind() string { return TaskType }

// noopWorker works no-op jobs by calling onTask.
type noopWorker struct {
	river.WorkerDefaults[noopArgs]
	onTask func()
}

// Work calls onTask and succeeds.
func (w *noopWorker) Work(context.Context, *river.Job[noopArgs]) error {
	w.onTask()
	return nil
}

// RiverQueue is River opened on a database through riverpgxv5.
type RiverQueue struct {
	settings RiverSettings
	opts     Options
	pool     *pgxpool.Pool
	monitor  *pgxpool.Pool
	inserter *river.Client[pgx.Tx]
	worker   *river.Client[pgx.Tx]
}

// OpenRiver opens River on the database at url.
func OpenRiver(ctx context.Context, url string, s RiverSettings, o Options) (*RiverQueue, error) {
	pool, err := newTracedPgxPool(ctx, url, o.PoolConns, o.SQLStats)
	if err != nil {
		return nil, err
	}
	monitor, err := newPgxPool(ctx, url, 1)
	if err != nil {
		pool.Close()
		return nil, err
	}
	inserter, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Logger: o.Logger})
	if err != nil {
		pool.Close()
		monitor.Close()
		return nil, err
	}
	return &RiverQueue{settings: s, opts: o, pool: pool, monitor: monitor, inserter: inserter}, nil
}

// Warm opens every connection of the pool, so that a timed phase does
// not pay for opening them.
func (q *RiverQueue) Warm(ctx context.Context) error { return warmPgxPool(ctx, q.pool) }

// InsertBatch inserts n no-op jobs with one InsertMany (or InsertManyFast).
func (q *RiverQueue) InsertBatch(ctx context.Context, n int) error {
	params := make([]river.InsertManyParams, n)
	for i := range params {
		params[i] = river.InsertManyParams{Args: noopArgs{}}
	}
	if q.settings.Fast {
		_, err := q.inserter.InsertManyFast(ctx, params)
		return err
	}
	_, err := q.inserter.InsertMany(ctx, params)
	return err
}

// InsertOne inserts one no-op job.
func (q *RiverQueue) InsertOne(ctx context.Context) error {
	_, err := q.inserter.Insert(ctx, noopArgs{}, nil)
	return err
}

// Start starts a River client working the default queue with workers
// workers.
func (q *RiverQueue) Start(ctx context.Context, workers int, onTask func()) error {
	if q.worker != nil {
		return errors.New("client already started")
	}
	ws := river.NewWorkers()
	if err := river.AddWorkerSafely(ws, &noopWorker{onTask: onTask}); err != nil {
		return err
	}
	c, err := river.NewClient(riverpgxv5.New(q.pool), &river.Config{
		Logger:            q.opts.Logger,
		FetchCooldown:     q.settings.FetchCooldown,
		FetchPollInterval: q.settings.FetchPollInterval,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: workers}},
		Workers:           ws,
	})
	if err != nil {
		return err
	}
	// The client runs until Stop: its start context must outlive ctx.
	if err := c.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	q.worker = c
	return nil
}

// Stop stops the client started by Start.
func (q *RiverQueue) Stop(ctx context.Context) error {
	if q.worker == nil {
		return nil
	}
	err := q.worker.Stop(ctx)
	q.worker = nil
	return err
}

// Remaining counts the jobs not completed.
func (q *RiverQueue) Remaining(ctx context.Context) (int64, error) {
	var n int64
	err := q.monitor.QueryRow(ctx, `SELECT count(*) FROM river_job
		WHERE state IN ('available', 'running', 'retryable', 'scheduled', 'pending')`).Scan(&n)
	return n, err
}

// Close stops the client if it runs and closes the connections.
func (q *RiverQueue) Close() {
	_ = q.Stop(context.Background())
	q.monitor.Close()
	q.pool.Close()
}
