package observability_test

import "context"
import "encoding/json"
import "os"
import "regexp"
import "sort"
import "strings"
import "testing"
import "time"

import "github.com/stretchr/testify/require"
import "go.opentelemetry.io/otel/sdk/metric/metricdata"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/internal/observability"

// Files under docs/observability whose PromQL the tests check.
const (
	dashboardFile = "../../docs/observability/grafana-dashboard.json"
	alertsFile    = "../../docs/observability/asynqpg-alerts.yml"
)

// promUnits are the Prometheus suffixes of the units asynqpg uses; units
// in braces ({task}, {error}) are annotations and give none.
var promUnits = map[string]string{"s": "seconds"}

// prometheusNames returns the names under which Prometheus stores m, by
// the OpenTelemetry-to-Prometheus rules (the Collector's prometheus
// exporter and the Go Prometheus exporter): dots become underscores; the
// unit is appended ("s" as _seconds; annotations in braces are dropped);
// a monotonic sum gets _total; a histogram is _bucket, _sum and _count; a
// non-monotonic sum and a gauge keep the bare name.
func prometheusNames(t *testing.T, m metricdata.Metrics) []string {
	t.Helper()
	base := strings.NewReplacer(".", "_", "-", "_").Replace(m.Name)
	if !strings.HasPrefix(m.Unit, "{") && m.Unit != "" {
		suffix, ok := promUnits[m.Unit]
		require.True(t, ok, "no Prometheus suffix known for unit %q of %s", m.Unit, m.Name)
		if !strings.HasSuffix(base, "_"+suffix) {
			base += "_" + suffix
		}
	}
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		if d.IsMonotonic {
			return []string{base + "_total"}
		}
		return []string{base}
	case metricdata.Sum[float64]:
		if d.IsMonotonic {
			return []string{base + "_total"}
		}
		return []string{base}
	case metricdata.Gauge[int64], metricdata.Gauge[float64]:
		return []string{base}
	case metricdata.Histogram[float64], metricdata.Histogram[int64]:
		return []string{base + "_bucket", base + "_sum", base + "_count"}
	}
	t.Fatalf("%s: unexpected data %T", m.Name, m.Data)
	return nil
}

// TestPrometheusNames pins the Prometheus name of every instrument, as
// docs/observability/README.md lists them.
func TestPrometheusNames(t *testing.T) {
	t.Parallel()
	sum := func(mono bool) metricdata.Aggregation { return metricdata.Sum[int64]{IsMonotonic: mono} }
	tests := []struct {
		name, unit string
		data       metricdata.Aggregation
		want       []string
	}{
		{asynqpg.MetricTasksEnqueued, "{task}", sum(true), []string{"asynqpg_tasks_enqueued_total"}},
		{asynqpg.MetricTasksProcessed, "{task}", sum(true), []string{"asynqpg_tasks_processed_total"}},
		{asynqpg.MetricTasksErrors, "{error}", sum(true), []string{"asynqpg_tasks_errors_total"}},
		{asynqpg.MetricTasksInFlight, "{task}", sum(false), []string{"asynqpg_tasks_in_flight"}},
		{asynqpg.MetricTaskDuration, "s", metricdata.Histogram[float64]{}, []string{
			"asynqpg_task_duration_seconds_bucket", "asynqpg_task_duration_seconds_sum", "asynqpg_task_duration_seconds_count"}},
		{asynqpg.MetricEnqueueDuration, "s", metricdata.Histogram[float64]{}, []string{
			"asynqpg_task_enqueue_duration_seconds_bucket", "asynqpg_task_enqueue_duration_seconds_sum",
			"asynqpg_task_enqueue_duration_seconds_count"}},
		{observability.MetricQueueTasks, "{task}", metricdata.Gauge[int64]{}, []string{"asynqpg_queue_tasks"}},
		{observability.MetricQueueOldestReadyAge, "s", metricdata.Gauge[float64]{}, []string{"asynqpg_queue_oldest_ready_age_seconds"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := prometheusNames(t, metricdata.Metrics{Name: tt.name, Unit: tt.unit, Data: tt.data})
			require.Equal(t, tt.want, got)
		})
	}
}

// promMetric finds metric names in PromQL; promLabels finds the label
// names of by/without clauses and of selectors.
var (
	promMetric   = regexp.MustCompile(`\basynqpg_[a-z0-9_]+`)
	promGrouping = regexp.MustCompile(`\b(?:by|without)\s*\(([^)]*)\)`)
	promMatcher  = regexp.MustCompile(`([a-z_][a-z0-9_]*)\s*(?:=~|!~|!=|=)\s*"`)
)

// dashboardQueries returns every PromQL string of the Grafana dashboard:
// the targets' expr and the template variables' query and definition.
func dashboardQueries(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(dashboardFile)
	require.NoError(t, err)
	var doc any
	require.NoError(t, json.Unmarshal(raw, &doc))
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && (k == "expr" || k == "query" || k == "definition") {
					out = append(out, s)
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	return out
}

// TestDashboardMetricsExist runs a producer and a leader consumer through
// every instrument, derives the Prometheus names of what they register,
// and checks that every metric the Grafana dashboard and the alert rules
// query is one of them, that they group and filter by asynqpg's labels
// only, and that the dashboard shows every instrument.
func TestDashboardMetricsExist(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, drivers[0])
	tel := newTelemetry(t)
	p := b.newProducer(t, tel, nil)
	for _, typ := range []string{typeOK, typeFail} {
		_, err := p.Enqueue(ctx, asynqpg.NewTask(typ, []byte{}))
		require.NoError(t, err)
	}
	cfg := b.consumerConfig(t, tel)
	cfg.DisableMaintenance = false
	cfg.QueueHealthInterval = 50 * time.Millisecond
	startConsumer(t, cfg, map[string]consumer.TaskHandlerFunc{
		typeOK:   func(context.Context, *asynqpg.TaskInfo) error { return nil },
		typeFail: func(context.Context, *asynqpg.TaskInfo) error { return asynqpg.ErrSkipRetry },
	})
	b.waitFinal(t, 2)

	instruments := []string{
		asynqpg.MetricTasksEnqueued, asynqpg.MetricTasksProcessed, asynqpg.MetricTasksErrors,
		asynqpg.MetricTaskDuration, asynqpg.MetricEnqueueDuration, asynqpg.MetricTasksInFlight,
		observability.MetricQueueTasks, observability.MetricQueueOldestReadyAge,
	}
	var ms map[string]metricdata.Metrics
	require.Eventually(t, func() bool {
		ms = tel.collect(t)
		return len(ms) == len(instruments)
	}, waitFor, tick, "every instrument recorded")
	registered := map[string]string{} // Prometheus name → instrument
	for _, name := range instruments {
		m, ok := ms[name]
		require.True(t, ok, name)
		for _, pn := range prometheusNames(t, m) {
			registered[pn] = name
		}
	}

	queries := dashboardQueries(t)
	require.NotEmpty(t, queries)
	alerts, err := os.ReadFile(alertsFile)
	require.NoError(t, err)
	shown := map[string]bool{}
	for _, q := range append(queries, string(alerts)) {
		for _, pn := range promMetric.FindAllString(q, -1) {
			inst, ok := registered[pn]
			require.True(t, ok, "%s is queried but no instrument exports it (query %q)", pn, q)
			shown[inst] = true
		}
	}
	for _, q := range queries {
		requireAsynqpgLabels(t, q)
	}
	var missing []string
	for _, name := range instruments {
		if !shown[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	require.Empty(t, missing, "instruments the dashboard does not show")
}

// requireAsynqpgLabels fails when q groups or filters by a label asynqpg's
// metrics do not have.
func requireAsynqpgLabels(t *testing.T, q string) {
	t.Helper()
	allowed := map[string]bool{"task_type": true, "status": true, "error_type": true, "le": true}
	var labels []string
	for _, g := range promGrouping.FindAllStringSubmatch(q, -1) {
		for _, l := range strings.Split(g[1], ",") {
			labels = append(labels, strings.TrimSpace(l))
		}
	}
	for _, m := range promMatcher.FindAllStringSubmatch(q, -1) {
		labels = append(labels, m[1])
	}
	for _, l := range labels {
		require.True(t, l == "" || allowed[l], "query %q uses label %q, which asynqpg's metrics do not have", q, l)
	}
}
