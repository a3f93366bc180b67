package reliability

import "context"
import "errors"
import "fmt"
import "log/slog"
import "time"

import "github.com/jackc/pgx/v5"
import "github.com/jackc/pgx/v5/pgxpool"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"

// consumerSpec describes a test consumer, in this process or in a child
// process (it travels as JSON).
type consumerSpec struct {
	// URL is the database the consumer works on; it may go through a
	// proxy or a connection pooler.
	URL string
	// LedgerURL is the database the handlers record executions in,
	// directly; default URL.
	LedgerURL string
	// Name is the consumer's application_name and ClientID, and the
	// consumer recorded in the ledger.
	Name string
	// Types are the task types handled.
	Types []string
	// Workers per type; default 10.
	Workers int
	// Timeout of an attempt; default 30s.
	Timeout time.Duration
	// HandlerSleep is how long a handler works after recording its
	// execution.
	HandlerSleep time.Duration
	// Block makes handlers block, after recording their execution, until
	// the process ends.
	Block bool
	// MaxConns of the consumer's pool; default 4.
	MaxConns int32

	FetchInterval       time.Duration
	CancelCheckInterval time.Duration
	JanitorInterval     time.Duration
	StuckThreshold      time.Duration
	CompletedRetention  time.Duration
	ShutdownTimeout     time.Duration
	// Maintenance enables leader election and maintenance.
	Maintenance bool
	// SimpleProtocol makes the pool use pgx's simple protocol (for a
	// connection pooler in transaction mode).
	SimpleProtocol bool
	// ExecMode, when set, names the pgx QueryExecMode of the pool.
	ExecMode string
	// NoCancelRequests makes the pool close a connection whose query's
	// context ends instead of sending a cancel request (see
	// closeInsteadOfCancel).
	NoCancelRequests bool
}

// runningConsumer is a started consumer with the pools it owns.
type runningConsumer struct {
	Consumer *consumer.Consumer
	Pool     *pgxpool.Pool
	Ledger   *pgxpool.Pool
}

// Stop stops the consumer and closes its pools.
func (r *runningConsumer) Stop() error {
	err := r.Consumer.Stop()
	r.Pool.Close()
	if r.Ledger != r.Pool {
		r.Ledger.Close()
	}
	return err
}

// startConsumer opens the pools of spec, registers handlers that record
// every execution in the ledger, and starts the consumer. pool, when not
// nil, replaces the asynqpg.Pool built from spec.URL (a wrapper under test).
func startConsumer(spec consumerSpec, log *slog.Logger, wrap func(asynqpg.Pool) asynqpg.Pool) (*runningConsumer, error) {
	ctx := context.Background()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	pool, err := newSpecPool(ctx, spec.URL, spec, spec.Name)
	if err != nil {
		return nil, err
	}
	ledger := pool
	if spec.LedgerURL != "" && spec.LedgerURL != spec.URL {
		ledger, err = newSpecPool(ctx, spec.LedgerURL, consumerSpec{MaxConns: 3}, "reliability-ledger")
		if err != nil {
			pool.Close()
			return nil, err
		}
	}
	rc := &runningConsumer{Pool: pool, Ledger: ledger}
	closePools := func() {
		pool.Close()
		if ledger != pool {
			ledger.Close()
		}
	}
	var p asynqpg.Pool = pgxv5driver.New(pool)
	if wrap != nil {
		p = wrap(p)
	}
	cfg := consumer.Config{
		Pool:                p,
		Logger:              log,
		ClientID:            spec.Name,
		RetryPolicy:         asynqpg.ConstantRetryPolicy{Delay: 100 * time.Millisecond},
		FetchInterval:       spec.FetchInterval,
		CancelCheckInterval: spec.CancelCheckInterval,
		JanitorInterval:     spec.JanitorInterval,
		StuckThreshold:      spec.StuckThreshold,
		CompletedRetention:  spec.CompletedRetention,
		ShutdownTimeout:     spec.ShutdownTimeout,
		DisableMaintenance:  !spec.Maintenance,
		DefaultWorkersCount: spec.Workers,
		DefaultTimeout:      spec.Timeout,
	}
	c, err := consumer.New(cfg)
	if err != nil {
		closePools()
		return nil, err
	}
	for _, typ := range spec.Types {
		if err := c.RegisterTaskHandler(typ, ledgerHandler(spec, ledger)); err != nil {
			closePools()
			return nil, err
		}
	}
	if err := c.Start(); err != nil {
		closePools()
		return nil, err
	}
	rc.Consumer = c
	return rc, nil
}

// ledgerHandler records each execution, then works as spec says.
func ledgerHandler(spec consumerSpec, ledger *pgxpool.Pool) consumer.TaskHandler {
	return consumer.TaskHandlerFunc(func(ctx context.Context, task *asynqpg.TaskInfo) error {
		if err := recordExecution(ctx, ledger, spec.Name, task); err != nil {
			return err
		}
		if spec.Block {
			select {} // until the process is killed
		}
		if spec.HandlerSleep > 0 {
			time.Sleep(spec.HandlerSleep)
		}
		return nil
	})
}

// newSpecPool opens a pgx pool on rawURL for spec, with application_name app.
func newSpecPool(ctx context.Context, rawURL string, spec consumerSpec, app string) (*pgxpool.Pool, error) {
	u, err := setParams(rawURL, "application_name", app)
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(u)
	if err != nil {
		return nil, fmt.Errorf("parse pool config: %w", err)
	}
	cfg.MaxConns = 4
	if spec.MaxConns > 0 {
		cfg.MaxConns = spec.MaxConns
	}
	if err := setExecMode(cfg, spec); err != nil {
		return nil, err
	}
	if spec.NoCancelRequests {
		closeInsteadOfCancel(cfg.ConnConfig)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	return pool, nil
}

// errUnknownExecMode reports a bad consumerSpec.ExecMode.
var errUnknownExecMode = errors.New("unknown pgx exec mode")

// setExecMode applies spec's protocol choice to cfg.
func setExecMode(cfg *pgxpool.Config, spec consumerSpec) error {
	modes := map[string]pgx.QueryExecMode{
		"":                pgx.QueryExecModeCacheStatement,
		"cache_statement": pgx.QueryExecModeCacheStatement,
		"cache_describe":  pgx.QueryExecModeCacheDescribe,
		"describe_exec":   pgx.QueryExecModeDescribeExec,
		"exec":            pgx.QueryExecModeExec,
		"simple_protocol": pgx.QueryExecModeSimpleProtocol,
	}
	name := spec.ExecMode
	if spec.SimpleProtocol {
		name = "simple_protocol"
	}
	mode, ok := modes[name]
	if !ok {
		return fmt.Errorf("%w %q", errUnknownExecMode, name)
	}
	cfg.ConnConfig.DefaultQueryExecMode = mode
	return nil
}
