package ui

import "fmt"
import "net/http"
import "net/http/httptest"
import "strings"
import "testing"
import "time"

import "github.com/chromedp/chromedp"

// finalizedAgo inserts a task finalized in status ago before now by the
// database clock and returns the start of its minute as the API writes it.
func (d *liveDashboard) finalizedAgo(t *testing.T, status string, ago time.Duration) string {
	t.Helper()
	var minute time.Time
	if err := d.DB.QueryRow(`INSERT INTO asynqpg_tasks (type, payload, status, finalized_at)
		VALUES ('report', '{}'::bytea, $1, now() - make_interval(secs => $2))
		RETURNING date_trunc('minute', finalized_at)`, status, ago.Seconds()).Scan(&minute); err != nil {
		t.Fatalf("insert a %s task: %v", status, err)
	}
	return minute.UTC().Format(time.RFC3339)
}

func TestBrowserThroughputChartShowsTheLastHourAsSoonAsThePageOpens(t *testing.T) {
	d := newDashboard(t, HandlerOpts{})
	old := d.finalizedAgo(t, "completed", 40*time.Minute)
	d.finalizedAgo(t, "completed", 40*time.Minute)
	recent := d.finalizedAgo(t, "failed", 10*time.Minute)
	d.finalizedAgo(t, "completed", 3*time.Hour) // before the hour
	b := newBrowser(t, nil)
	b.run(t, "open overview", chromedp.Navigate(d.url("/")))
	b.waitCount(t, `svg.chart[data-source="database"][data-completed="2"][data-failed="1"]`, 1)
	b.waitCount(t, fmt.Sprintf(`svg.chart g[data-at=%q][data-completed="2"][data-failed="0"]`, old), 1)
	b.waitCount(t, fmt.Sprintf(`svg.chart g[data-at=%q][data-completed="0"][data-failed="1"]`, recent), 1)
	b.waitCount(t, `svg.chart g[data-at]`, 60)
	label := eval[string](t, b, `document.querySelector("svg.chart").getAttribute("aria-label")`)
	if !strings.HasSuffix(label, ": 2 completed, 1 failed") {
		t.Errorf("chart label %q", label)
	}
	if b.count(t, `.legend-nodata:not([hidden])`) != 0 {
		t.Error("the legend shows \"not measured\" for a chart counted in the database")
	}
	if errs := b.pageErrors(); len(errs) > 0 {
		t.Errorf("page errors: %v", errs)
	}
}

// An older server has no /api/throughput: the page measures the throughput
// itself, from the status counts of its refreshes.
func TestBrowserThroughputChartFallsBackToItsOwnMeasurementOn404(t *testing.T) {
	d := newDashboard(t, HandlerOpts{})
	inner := d.server.Config.Handler
	older := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/api/throughput") {
			http.NotFound(w, r)
			return
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(older.Close)
	d.server = older
	d.finalizedAgo(t, "completed", 20*time.Minute) // unseen by the page
	b := newBrowser(t, nil)
	b.run(t, "open overview", chromedp.Navigate(d.url("/")))
	b.waitCount(t, `svg.chart[data-source="page"][data-completed="0"]`, 1)
	b.waitCount(t, `.legend-nodata:not([hidden])`, 1)
	d.finish(t, d.Enqueue(t, "email", `{}`), "completed")
	b.waitCount(t, `svg.chart[data-source="page"][data-completed="1"]`, 1)
	for _, e := range b.pageErrors() {
		if !strings.Contains(e, "/api/throughput") {
			t.Errorf("page error: %s", e)
		}
	}
}
