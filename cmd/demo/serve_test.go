package main

import "net/http"
import "strings"
import "testing"

import "github.com/stretchr/testify/require"

// TestDemoServe runs the demo with -serve: after the summary the
// dashboard stays up, answers the page and counts exactly what the
// database holds (nothing moves any more), until the demo is interrupted,
// which ends it without an error.
func TestDemoServe(t *testing.T) {
	d := startDemo(t, options{listen: "127.0.0.1:0", serve: true})
	base := d.waitFor(t, `(?m)^dashboard: still serving (http://127\.0\.0\.1:\d+/); press Ctrl\+C to stop$`)[1]
	text, _ := d.out.snapshot()
	require.Contains(t, text, "dashboard: "+base+" (no password", "the URL printed before the workload")
	require.Less(t, strings.Index(text, "all tasks settled"), strings.Index(text, "still serving"))
	require.NotContains(t, text, "make demo SERVE=1")

	requirePage(t, base)
	db := d.dbCounts(t)
	require.NotEmpty(t, db)
	require.Equal(t, db, apiStats(t, base), "/api/stats against the database")
	require.True(t, d.running(), "the demo ended while serving")

	d.cancel()
	text = d.wait(t)
	require.True(t, strings.HasSuffix(text, "\ndashboard: stopped\n"), "end of the output:\n%s", text)
	_, err := http.Get(base)
	require.Error(t, err, "the dashboard answers after the demo")
}
