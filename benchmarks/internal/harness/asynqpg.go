package harness

import "context"
import "database/sql"
import "errors"
import "fmt"
import "log/slog"

import "github.com/jackc/pgx/v5/pgxpool"
import "github.com/jmoiron/sqlx"
import "github.com/uptrace/bun"
import "github.com/uptrace/bun/dialect/pgdialect"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import bundriver "github.com/yakser/asynqpg/driver/bun"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
import sqlxdriver "github.com/yakser/asynqpg/driver/sqlx"
import "github.com/yakser/asynqpg/producer"

// Drivers asynqpg is benchmarked with.
const (
	// DriverPgx is pgxv5driver on a *pgxpool.Pool.
	DriverPgx = "pgx"
	// DriverSqlx is sqlxdriver on a *sqlx.DB over pgx's database/sql driver.
	DriverSqlx = "sqlx"
	// DriverBun is bundriver on a *bun.DB over pgx's database/sql driver.
	DriverBun = "bun"
)

// Asynqpg returns asynqpg with its default settings on the given driver.
func Asynqpg(driverName string) System {
	return AsynqpgWith(driverName, "", "", nil)
}

// AsynqpgWith returns asynqpg on the given driver with its consumer
// configuration changed by tweak (nil: defaults), identified by id and
// named name (empty: derived from the driver).
func AsynqpgWith(driverName, id, name string, tweak func(*consumer.Config)) System {
	sys := asynqpgSystem(driverName, tweak)
	if id != "" {
		sys.ID = id
	}
	if name != "" {
		sys.Name = name
	}
	return sys
}

func asynqpgSystem(driverName string, tweak func(*consumer.Config)) System {
	id, name := "asynqpg", "asynqpg"
	if driverName != DriverPgx {
		id += "-" + driverName
		name += " (" + driverName + ")"
	}
	return System{
		ID:     id,
		Name:   name,
		Schema: SchemaAsynqpg,
		Table:  "asynqpg_tasks",
		Open: func(ctx context.Context, url string, o Options) (Queue, error) {
			q, err := OpenAsynqpg(ctx, url, driverName, o)
			if err != nil {
				return nil, err
			}
			q.tweak = tweak
			return q, nil
		},
	}
}

// AsynqpgQueue is asynqpg opened on a database through one driver.
type AsynqpgQueue struct {
	// Pool is the asynqpg.Pool the producer and consumer use.
	Pool asynqpg.Pool
	// Producer enqueues tasks.
	Producer *producer.Producer

	monitor  *pgxpool.Pool // counts the work left, outside Pool
	closers  []func()
	logger   *slog.Logger
	tweak    func(*consumer.Config)
	consumer *consumer.Consumer
	warm     func(context.Context) error // opens the pool's connections
}

// OpenAsynqpg opens asynqpg on the database at url through the driver
// named driverName (DriverPgx, DriverSqlx or DriverBun).
func OpenAsynqpg(ctx context.Context, url, driverName string, o Options) (*AsynqpgQueue, error) {
	q := &AsynqpgQueue{logger: o.Logger}
	monitor, err := newPgxPool(ctx, url, 1)
	if err != nil {
		return nil, err
	}
	q.monitor = monitor
	q.closers = append(q.closers, monitor.Close)
	switch driverName {
	case DriverPgx:
		pool, err := newTracedPgxPool(ctx, url, o.PoolConns, o.SQLStats)
		if err != nil {
			q.Close()
			return nil, err
		}
		q.closers = append(q.closers, pool.Close)
		q.Pool = pgxv5driver.New(pool)
		q.warm = func(ctx context.Context) error { return warmPgxPool(ctx, pool) }
	case DriverSqlx, DriverBun:
		db, err := sql.Open("pgx", url)
		if err != nil {
			q.Close()
			return nil, err
		}
		if o.PoolConns > 0 {
			db.SetMaxOpenConns(o.PoolConns)
			db.SetMaxIdleConns(o.PoolConns)
		}
		q.closers = append(q.closers, func() { _ = db.Close() })
		q.warm = func(ctx context.Context) error { return warmSQLDB(ctx, db, o.PoolConns) }
		if driverName == DriverSqlx {
			q.Pool = sqlxdriver.New(sqlx.NewDb(db, "pgx"))
		} else {
			q.Pool = bundriver.New(bun.NewDB(db, pgdialect.New()))
		}
	default:
		q.Close()
		return nil, fmt.Errorf("unknown asynqpg driver %q (want %s, %s or %s)", driverName, DriverPgx, DriverSqlx, DriverBun)
	}
	p, err := producer.New(producer.Config{Pool: q.Pool, Logger: o.Logger})
	if err != nil {
		q.Close()
		return nil, err
	}
	q.Producer = p
	return q, nil
}

// Warm opens every connection of the pool, so that a timed phase does
// not pay for opening them.
func (q *AsynqpgQueue) Warm(ctx context.Context) error { return q.warm(ctx) }

// NoopTasks returns n no-op tasks.
func NoopTasks(n int) []*asynqpg.Task {
	tasks := make([]*asynqpg.Task, n)
	for i := range tasks {
		tasks[i] = asynqpg.NewTask(TaskType, []byte{})
	}
	return tasks
}

// InsertBatch inserts n no-op tasks with one EnqueueMany.
func (q *AsynqpgQueue) InsertBatch(ctx context.Context, n int) error {
	_, err := q.Producer.EnqueueMany(ctx, NoopTasks(n))
	return err
}

// InsertOne enqueues one no-op task.
func (q *AsynqpgQueue) InsertOne(ctx context.Context) error {
	_, err := q.Producer.Enqueue(ctx, asynqpg.NewTask(TaskType, []byte{}))
	return err
}

// Start starts a consumer with default settings but its workers count.
func (q *AsynqpgQueue) Start(_ context.Context, workers int, onTask func()) error {
	if q.consumer != nil {
		return errors.New("consumer already started")
	}
	cfg := consumer.Config{Pool: q.Pool, Logger: q.logger, DefaultWorkersCount: workers}
	if q.tweak != nil {
		q.tweak(&cfg)
	}
	c, err := consumer.New(cfg)
	if err != nil {
		return err
	}
	err = c.RegisterTaskHandler(TaskType, consumer.TaskHandlerFunc(func(context.Context, *asynqpg.TaskInfo) error {
		onTask()
		return nil
	}))
	if err != nil {
		return err
	}
	if err := c.Start(); err != nil {
		return err
	}
	q.consumer = c
	return nil
}

// Stop stops the consumer.
func (q *AsynqpgQueue) Stop(context.Context) error {
	if q.consumer == nil {
		return nil
	}
	err := q.consumer.Stop()
	q.consumer = nil
	return err
}

// Remaining counts the tasks not completed.
func (q *AsynqpgQueue) Remaining(ctx context.Context) (int64, error) {
	var n int64
	err := q.monitor.QueryRow(ctx,
		"SELECT count(*) FROM asynqpg_tasks WHERE status IN ('pending', 'running')").Scan(&n)
	return n, err
}

// Close stops the consumer if it runs and closes the connections.
func (q *AsynqpgQueue) Close() {
	_ = q.Stop(context.Background())
	for i := len(q.closers) - 1; i >= 0; i-- {
		q.closers[i]()
	}
	q.closers = nil
}
