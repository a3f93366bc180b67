package observability_test

import "context"
import "database/sql"
import "fmt"
import "log/slog"
import "sort"
import "strings"
import "testing"
import "time"

import "github.com/jackc/pgx/v5/pgxpool"
import _ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for checks
import "github.com/jmoiron/sqlx"
import _ "github.com/lib/pq" // the "postgres" database/sql driver
import "github.com/stretchr/testify/require"
import "github.com/uptrace/bun"
import "github.com/uptrace/bun/dialect/pgdialect"
import "go.opentelemetry.io/otel/attribute"
import sdkmetric "go.opentelemetry.io/otel/sdk/metric"
import "go.opentelemetry.io/otel/sdk/metric/metricdata"
import sdktrace "go.opentelemetry.io/otel/sdk/trace"
import "go.opentelemetry.io/otel/sdk/trace/tracetest"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import bundriver "github.com/yakser/asynqpg/driver/bun"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
import sqlxdriver "github.com/yakser/asynqpg/driver/sqlx"
import "github.com/yakser/asynqpg/internal/observability"
import "github.com/yakser/asynqpg/internal/testdb"
import "github.com/yakser/asynqpg/internal/testfixture/testconsumer"
import "github.com/yakser/asynqpg/producer"

func TestMain(m *testing.M) { testdb.MainWithURL(m) }

// maxTestConns caps each handle's connections: tests run in parallel on
// one server.
const maxTestConns = 6

// Generous bounds for waiting on a slow, loaded machine.
const (
	waitFor = 30 * time.Second
	tick    = 20 * time.Millisecond
)

// driverCase opens an asynqpg.Pool of one driver on a database.
type driverCase struct {
	name string
	open func(t *testing.T, url string) asynqpg.Pool
}

// drivers are the drivers the end-to-end tests run on.
var drivers = []driverCase{
	{name: "pgxv5/pool", open: func(t *testing.T, url string) asynqpg.Pool {
		t.Helper()
		cfg, err := pgxpool.ParseConfig(url)
		require.NoError(t, err)
		cfg.MaxConns = maxTestConns
		pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
		require.NoError(t, err)
		t.Cleanup(pool.Close)
		return pgxv5driver.New(pool)
	}},
	{name: "sqlx/libpq", open: func(t *testing.T, url string) asynqpg.Pool {
		t.Helper()
		return sqlxdriver.New(sqlx.NewDb(openDB(t, "postgres", url), "postgres"))
	}},
	{name: "bun/pgxstdlib", open: func(t *testing.T, url string) asynqpg.Pool {
		t.Helper()
		return bundriver.New(bun.NewDB(openDB(t, "pgx", url), pgdialect.New()))
	}},
}

// openDB opens a database/sql pool of driverName on url, closed when the
// test ends.
func openDB(t *testing.T, driverName, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driverName, url)
	require.NoError(t, err)
	db.SetMaxOpenConns(maxTestConns)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// bundle is a test's own database, reached through the driver under test
// and through an independent handle for checks.
type bundle struct {
	url   string
	d     driverCase
	check *sql.DB
}

// eachDriver runs test in parallel subtests, one per driver, each on a
// database of its own.
func eachDriver(t *testing.T, test func(t *testing.T, b *bundle)) {
	t.Helper()
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			test(t, setup(t, d))
		})
	}
}

func setup(t *testing.T, d driverCase) *bundle {
	t.Helper()
	url := testdb.URL(t)
	check := testdb.OpenURL(t, url)
	check.SetMaxOpenConns(2)
	return &bundle{url: url, d: d, check: check}
}

// telemetry is one instance's own OpenTelemetry SDK: a manual metric
// reader and a span recorder.
type telemetry struct {
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
}

func newTelemetry(t *testing.T) *telemetry {
	t.Helper()
	tel := &telemetry{reader: sdkmetric.NewManualReader(), spans: tracetest.NewSpanRecorder()}
	tel.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(tel.reader))
	tel.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tel.spans))
	t.Cleanup(func() {
		_ = tel.mp.Shutdown(context.Background())
		_ = tel.tp.Shutdown(context.Background())
	})
	return tel
}

// instruments returns the Instruments of observability.New on tel's
// providers.
func (tel *telemetry) instruments(t *testing.T) *observability.Instruments {
	t.Helper()
	in, err := observability.New(tel.mp, tel.tp)
	require.NoError(t, err)
	return in
}

// collect reads every metric, by name. Every metric must come from
// asynqpg's meter.
func (tel *telemetry) collect(t *testing.T) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, tel.reader.Collect(context.Background(), &rm))
	out := make(map[string]metricdata.Metrics)
	for _, sm := range rm.ScopeMetrics {
		require.Equal(t, asynqpg.InstrumentationName, sm.Scope.Name)
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

// spansNamed returns the ended spans called name, in end order.
func (tel *telemetry) spansNamed(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range tel.spans.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// newProducer creates a producer on its own pool of the bundle's driver,
// recording to tel.
func (b *bundle) newProducer(t *testing.T, tel *telemetry, logger *slog.Logger) *producer.Producer {
	t.Helper()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p, err := producer.New(producer.Config{
		Pool:           b.d.open(t, b.url),
		Logger:         logger,
		MeterProvider:  tel.mp,
		TracerProvider: tel.tp,
	})
	require.NoError(t, err)
	return p
}

// consumerConfig is a consumer configuration on its own pool of the
// bundle's driver, with short intervals, recording to tel.
func (b *bundle) consumerConfig(t *testing.T, tel *telemetry) consumer.Config {
	t.Helper()
	cfg := testconsumer.Config(b.d.open(t, b.url))
	cfg.RetryPolicy = asynqpg.ConstantRetryPolicy{Delay: 20 * time.Millisecond}
	cfg.ShutdownTimeout = 10 * time.Second
	cfg.MeterProvider, cfg.TracerProvider = tel.mp, tel.tp
	return cfg
}

// startConsumer starts a consumer with handlers; it is stopped at the end
// of the test unless the test stops it first.
func startConsumer(t *testing.T, cfg consumer.Config, handlers map[string]consumer.TaskHandlerFunc) *consumer.Consumer {
	t.Helper()
	c, err := consumer.New(cfg)
	require.NoError(t, err)
	for typ, h := range handlers {
		require.NoError(t, c.RegisterTaskHandler(typ, h, consumer.WithWorkersCount(2)))
	}
	require.NoError(t, c.Start())
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

// waitFinal waits until no task of the bundle's database is pending or
// running.
func (b *bundle) waitFinal(t *testing.T, total int) {
	t.Helper()
	require.Eventually(t, func() bool {
		var n int
		err := b.check.QueryRow(`SELECT count(*) FROM asynqpg_tasks WHERE status IN ('completed', 'failed', 'cancelled')`).Scan(&n)
		return err == nil && n == total
	}, waitFor, tick)
}

// status reads the status of task id.
func (b *bundle) status(t *testing.T, id int64) asynqpg.TaskStatus {
	t.Helper()
	var s string
	require.NoError(t, b.check.QueryRow(`SELECT status FROM asynqpg_tasks WHERE id = $1`, id).Scan(&s))
	return asynqpg.TaskStatus(s)
}

// attrKey renders an attribute set as "k=v,k=v", keys sorted.
func attrKey(set attribute.Set) string {
	parts := make([]string, 0, set.Len())
	for _, kv := range set.ToSlice() {
		parts = append(parts, fmt.Sprintf("%s=%s", kv.Key, kv.Value.String()))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// metricAttrKeys are the only attribute keys asynqpg's metrics carry.
var metricAttrKeys = map[attribute.Key]bool{
	asynqpg.AttrTaskType:  true,
	asynqpg.AttrStatus:    true,
	asynqpg.AttrErrorType: true,
}

// requireBounded fails unless every attribute of set is one of the
// metric attribute keys.
func requireBounded(t *testing.T, metric string, set attribute.Set) {
	t.Helper()
	for _, kv := range set.ToSlice() {
		require.True(t, metricAttrKeys[kv.Key], "metric %s has attribute %s", metric, kv.Key)
	}
}

// sumPoints returns the points of an int64 sum by attribute key, after
// checking its kind and attributes.
func sumPoints(t *testing.T, m metricdata.Metrics, monotonic bool) map[string]int64 {
	t.Helper()
	sum, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok, "%s is %T, want an int64 sum", m.Name, m.Data)
	require.Equal(t, monotonic, sum.IsMonotonic, m.Name)
	require.Equal(t, metricdata.CumulativeTemporality, sum.Temporality, m.Name)
	out := make(map[string]int64)
	for _, dp := range sum.DataPoints {
		requireBounded(t, m.Name, dp.Attributes)
		out[attrKey(dp.Attributes)] += dp.Value
	}
	return out
}

// histPoints returns the counts and sums of a float64 histogram by
// attribute key, after checking its kind and attributes.
func histPoints(t *testing.T, m metricdata.Metrics) (counts map[string]uint64, sums map[string]float64) {
	t.Helper()
	h, ok := m.Data.(metricdata.Histogram[float64])
	require.True(t, ok, "%s is %T, want a float64 histogram", m.Name, m.Data)
	counts, sums = make(map[string]uint64), make(map[string]float64)
	for _, dp := range h.DataPoints {
		requireBounded(t, m.Name, dp.Attributes)
		counts[attrKey(dp.Attributes)] += dp.Count
		sums[attrKey(dp.Attributes)] += dp.Sum
	}
	return counts, sums
}

// gaugePoints returns the points of a gauge by attribute key, after
// checking its kind and attributes.
func gaugePoints[N int64 | float64](t *testing.T, m metricdata.Metrics) map[string]N {
	t.Helper()
	g, ok := m.Data.(metricdata.Gauge[N])
	require.True(t, ok, "%s is %T, want a gauge", m.Name, m.Data)
	out := make(map[string]N)
	for _, dp := range g.DataPoints {
		requireBounded(t, m.Name, dp.Attributes)
		out[attrKey(dp.Attributes)] = dp.Value
	}
	return out
}

// spanAttrs returns the attributes of a span as a map.
func spanAttrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	out := make(map[attribute.Key]attribute.Value)
	for _, kv := range s.Attributes() {
		out[kv.Key] = kv.Value
	}
	return out
}
