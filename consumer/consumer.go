package consumer

import "crypto/rand"
import "encoding/hex"
import "fmt"
import "log/slog"
import "os"
import "sync"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/engine"
import "github.com/yakser/asynqpg/internal/observability"
import "github.com/yakser/asynqpg/internal/validate"

// Consumer states.
const (
	stateNew      = iota // never started, or the last Start failed
	stateStarted         // running
	stateStopping        // Shutdown in progress
	stateStopped         // stopped; Start runs it again
)

// registration is a registered task type.
type registration struct {
	handler TaskHandler
	opts    TaskTypeOptions
}

// Consumer processes tasks. Register handlers and middleware, then Start;
// Stop (or Shutdown) ends it, and a stopped Consumer may be started
// again. Its methods are safe for concurrent use.
type Consumer struct {
	cfg  Config
	ex   driver.Executor
	log  *slog.Logger
	base engine.ProcessorConfig
	mcfg *engine.MaintainerConfig // nil with DisableMaintenance
	obs  *observability.Instruments

	mu       sync.Mutex
	state    int
	handlers map[string]*registration
	global   []MiddlewareFunc
	periodic []periodicTask // in the order registered
	run      *running       // the services of the current or last Start
}

// New validates cfg and creates a Consumer. It does not connect to the
// database; Start does.
func New(cfg Config) (*Consumer, error) {
	ex, err := engine.ResolvePool("consumer", cfg.Pool)
	if err != nil {
		return nil, err
	}
	if err := checkConfig(&cfg); err != nil {
		return nil, err
	}
	obs, err := observability.New(cfg.MeterProvider, cfg.TracerProvider)
	if err != nil {
		return nil, fmt.Errorf("consumer: %w", err)
	}
	c := &Consumer{
		cfg:      cfg,
		ex:       ex,
		log:      cfg.Logger,
		obs:      obs,
		handlers: make(map[string]*registration),
		base: engine.ProcessorConfig{
			Executor:              ex,
			Logger:                cfg.Logger,
			RetryPolicy:           cfg.RetryPolicy,
			ErrorHandler:          cfg.ErrorHandler,
			FetchInterval:         cfg.FetchInterval,
			CancelCheckInterval:   cfg.CancelCheckInterval,
			DisableBatchCompleter: cfg.DisableBatchCompleter,
			Metrics:               obs.Metrics,
			Tracer:                obs.Tracer,
		},
	}
	if cfg.DisableMaintenance {
		// No leader rescues this consumer's tasks: its processor fails the
		// lost last attempts of its own types itself.
		c.base.RescueInterval = cfg.JanitorInterval
		c.base.StuckThreshold = cfg.StuckThreshold
		c.base.RescueLostAttempts = true
	} else {
		mcfg := engine.MaintainerConfig{
			Executor:           ex,
			ClientID:           cfg.ClientID,
			Logger:             cfg.Logger,
			JanitorInterval:    cfg.JanitorInterval,
			StuckThreshold:     cfg.StuckThreshold,
			CompletedRetention: cfg.CompletedRetention,
			FailedRetention:    cfg.FailedRetention,
			CancelledRetention: cfg.CancelledRetention,
			ErrorHandler:       cfg.ErrorHandler,
		}
		if _, err := engine.NewMaintainer(mcfg); err != nil {
			return nil, fmt.Errorf("consumer: %w", err)
		}
		c.mcfg = &mcfg
	}
	return c, nil
}

// maxClientIDLength is the longest Config.ClientID, in bytes.
const maxClientIDLength = 255

// checkConfig validates cfg and fills in its defaults.
func checkConfig(cfg *Config) error {
	// Durations: none negative; intervals and timeouts at most their
	// limits (0: no limit beyond the type's).
	for _, d := range []struct {
		name string
		v    time.Duration
		max  time.Duration
	}{
		{"FetchInterval", cfg.FetchInterval, MaxInterval},
		{"JanitorInterval", cfg.JanitorInterval, MaxInterval},
		{"ShutdownTimeout", cfg.ShutdownTimeout, MaxInterval},
		{"StuckThreshold", cfg.StuckThreshold, 0},
		{"CancelCheckInterval", cfg.CancelCheckInterval, MaxInterval},
		{"DefaultTimeout", cfg.DefaultTimeout, MaxTimeout},
		{"CompletedRetention", cfg.CompletedRetention, 0},
		{"FailedRetention", cfg.FailedRetention, 0},
		{"CancelledRetention", cfg.CancelledRetention, 0},
		{"QueueHealthInterval", cfg.QueueHealthInterval, MaxInterval},
		{"HeartbeatInterval", cfg.HeartbeatInterval, MaxInterval},
	} {
		switch {
		case d.v < 0:
			return fmt.Errorf("consumer: Config.%s is %v: must not be negative", d.name, d.v)
		case d.max > 0 && d.v > d.max:
			return fmt.Errorf("consumer: Config.%s is %v: must be at most %v", d.name, d.v, d.max)
		}
	}
	if cfg.DefaultWorkersCount < 0 || cfg.DefaultWorkersCount > MaxWorkersCount {
		return fmt.Errorf("consumer: Config.DefaultWorkersCount is %d: must be from 0 to %d", cfg.DefaultWorkersCount, MaxWorkersCount)
	}
	if cfg.DefaultMaxAttempts < 0 {
		return fmt.Errorf("consumer: Config.DefaultMaxAttempts is %d: must not be negative", cfg.DefaultMaxAttempts)
	}
	if cfg.ClientID != "" {
		if err := validate.Name("consumer: Config.ClientID", cfg.ClientID, maxClientIDLength); err != nil {
			return err
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if validate.IsNil(cfg.RetryPolicy) {
		cfg.RetryPolicy = asynqpg.DefaultRetryPolicy{MaxRetryDelay: 24 * time.Hour}
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	if cfg.DefaultWorkersCount == 0 {
		cfg.DefaultWorkersCount = DefaultWorkersCount
	}
	if cfg.DefaultTimeout == 0 {
		cfg.DefaultTimeout = DefaultTimeout
	}
	if cfg.ClientID == "" {
		cfg.ClientID = randomClientID()
	}
	if validate.IsNil(cfg.ErrorHandler) {
		cfg.ErrorHandler = nil
	}
	return nil
}

// randomClientID returns an ID made of the host name, the process ID and
// a random suffix.
func randomClientID() string {
	host, err := os.Hostname()
	if err != nil || host == "" || !validate.IsText(host) {
		host = "asynqpg"
	}
	if len(host) > 200 {
		host = host[:200]
		for !validate.IsText(host) {
			host = host[:len(host)-1]
		}
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}
