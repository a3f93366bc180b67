package main

import "bytes"
import "fmt"
import "net/http"
import "reflect"
import "regexp"
import "strconv"
import "strings"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/internal/testdb"

func TestMain(m *testing.M) { testdb.Main(m) }

// demoTypes are the task types the demo enqueues, spelled out so the tests
// notice a renamed type.
var demoTypes = []string{
	"email:send", "report:generate", "payment:charge",
	"inventory:sync", "webhook:deliver", "video:transcode", "image:resize",
	"partner:call", "newsletter:send",
	"metrics:rollup", // periodic: not in the batch
}

// TestDemo runs the whole demo on the test server. While it runs, its
// dashboard answers the page and counts what the database holds; then the
// output has the legend first, and the summary shows every task settled,
// with the outcomes the workload is built to produce; the dashboard stops
// with the demo.
func TestDemo(t *testing.T) {
	d := startDemo(t, options{listen: "127.0.0.1:0"})
	base := d.waitFor(t, `(?m)^dashboard: (http://127\.0\.0\.1:\d+/) \(no password`)[1]

	t.Run("dashboard while running", func(t *testing.T) {
		requirePage(t, base)
		requireStatsWhileRunning(t, d, base)
	})

	text := d.wait(t)
	t.Log(text)
	require.Less(t, strings.Index(text, "dashboard: "+base), strings.Index(text, "\nenqueued "),
		"the dashboard's URL comes before the workload")

	t.Run("dashboard stopped", func(t *testing.T) {
		_, err := http.Get(base)
		require.Error(t, err, "the dashboard still answers after the demo")
		require.Contains(t, text, "make demo SERVE=1")
	})

	t.Run("legend", func(t *testing.T) {
		legend := legendSection(t, text)
		for _, typ := range demoTypes {
			require.Regexp(t, `(?m)^\s+`+regexp.QuoteMeta(typ)+`\s+(\d+|@every 1s)\s+\S`, legend, "legend line of %s", typ)
		}
		for _, want := range []string{"simulated", "cmd/demo/workload.go", "global limit", "paused", "dashboard"} {
			require.Contains(t, legend, want)
		}
	})

	t.Run("summary", func(t *testing.T) {
		rows := []struct{ typ, want string }{
			{"email:send", `0\s+0\s+60\s+0\s+0\s+60`},
			{"inventory:sync", `0\s+0\s+10\s+0\s+0\s+10`},
			{"payment:charge", `0\s+0\s+20\s+4\s+0\s+24`},
			{"report:generate", `0\s+0\s+13\s+0\s+0\s+13`},
			{"video:transcode", `0\s+0\s+0\s+0\s+1\s+1`},
			{"webhook:deliver", `0\s+0\s+0\s+4\s+0\s+4`},
			{"image:resize", `0\s+0\s+35\s+0\s+0\s+35`},
			{"partner:call", `0\s+0\s+18\s+0\s+0\s+18`},
			{"newsletter:send", `0\s+0\s+12\s+0\s+0\s+12`},
		}
		at := strings.Index(text, "all tasks settled")
		require.GreaterOrEqual(t, at, 0, "no summary")
		summary := text[at:]

		// The roll-ups enqueued by the time the consumer stopped: at least
		// the two the demo waits for; one may be pending still.
		m := regexp.MustCompile(`metrics:rollup\s+(\d+)\s+0\s+(\d+)\s+0\s+0\s+(\d+)`).FindStringSubmatch(summary)
		require.NotNil(t, m, "summary row metrics:rollup")
		pending, completed, total := atoi(t, m[1]), atoi(t, m[2]), atoi(t, m[3])
		require.GreaterOrEqual(t, completed, 2)
		require.Equal(t, total, pending+completed)
		rows = append(rows, struct{ typ, want string }{"all",
			fmt.Sprintf(`%d\s+0\s+%d\s+8\s+1\s+%d`, pending, 168+completed, 177+total)})
		for _, r := range rows {
			require.Regexp(t, regexp.QuoteMeta(r.typ)+`\s+`+r.want, summary, "summary row %s", r.typ)
		}
		require.Contains(t, text, "task with this type and idempotency token already exists")
		require.Contains(t, text, "cancelled running task")
	})

	t.Run("scheduling", func(t *testing.T) {
		require.Contains(t, text, "the 5 tasks of priority 100, enqueued after a backlog of 30,\n  ran at positions 1, 2, 3, 4, 5 of 35")
		m := regexp.MustCompile(`periodic task metrics-rollup \(@every 1s\): (\d+) instants enqueued by the leader, each once: (.*) UTC`).
			FindStringSubmatch(text)
		require.NotNil(t, m, "periodic line")
		instants := strings.Split(m[2], ", ")
		require.Len(t, instants, atoi(t, m[1]))
		require.GreaterOrEqual(t, len(instants), 2)
		seen := map[string]bool{}
		for _, at := range instants {
			require.False(t, seen[at], "instant %s twice", at)
			seen[at] = true
		}
	})

	t.Run("global limit", func(t *testing.T) {
		m := regexp.MustCompile(`global limit \(partner:call, 6 workers, WithGlobalConcurrency\(2\)\): highest running count\n` +
			`  sampled from the database: (\d+) \((\d+) samples, every 20ms\); most handlers at once: (\d+)\n`).FindStringSubmatch(text)
		require.NotNil(t, m, "global limit lines")
		sampled, samples, handlers := atoi(t, m[1]), atoi(t, m[2]), atoi(t, m[3])
		require.Positive(t, samples)
		// The limit held, and the demo did run tasks side by side up to it.
		require.LessOrEqual(t, sampled, partnerLimit)
		require.Positive(t, sampled)
		require.Equal(t, partnerLimit, handlers, "most handlers at once")
	})

	t.Run("pause", func(t *testing.T) {
		m := regexp.MustCompile(`pause \(newsletter:send\): paused before the consumer started, resumed (\S+) after it; by then\n` +
			`  (\d+) of its tasks waited pending, (\d+) had started \((\d+) handler calls while paused\), while (\d+) tasks\n` +
			`  of other types settled; after the resume (\d+) ran, the first (\S+) after it\n`).FindStringSubmatch(text)
		require.NotNil(t, m, "pause lines")
		held, err := time.ParseDuration(m[1])
		require.NoError(t, err)
		require.GreaterOrEqual(t, held, pauseFor)
		require.Equal(t, newsletterTasks, atoi(t, m[2]), "waited pending")
		require.Zero(t, atoi(t, m[3]), "started while paused")
		require.Zero(t, atoi(t, m[4]), "handler calls while paused")
		require.Positive(t, atoi(t, m[5]), "other tasks settled meanwhile")
		require.Equal(t, newsletterTasks, atoi(t, m[6]), "ran after the resume")
		first, err := time.ParseDuration(m[7])
		require.NoError(t, err)
		require.GreaterOrEqual(t, first, time.Duration(0))
		require.Regexp(t, `(?m)^resumed newsletter:send after \S+: its 12 tasks had waited pending$`, text)
	})
}

// requireStatsWhileRunning compares the dashboard's /api/stats with the
// database while the demo runs, until the answer is exactly what the
// database held when read just before it or just after it (the stats are
// one statement's snapshot, taken between the two reads). Counts move
// while tasks run, so a try may fall between two changes and match
// neither; the test fails when no try matches before the demo ends.
func requireStatsWhileRunning(t *testing.T, d *demoRun, base string) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last counts
	for tries := 0; ; tries++ {
		before := d.dbCounts(t)
		api := apiStats(t, base)
		after := d.dbCounts(t)
		if !d.running() {
			require.Failf(t, "demo ended", "/api/stats never agreed with the database in %d tries while it ran; last:\n%v\ndatabase now:\n%v",
				tries, last, d.dbCounts(t))
		}
		if len(before) > 0 && (reflect.DeepEqual(before, api) || reflect.DeepEqual(after, api)) {
			return
		}
		last = api
		<-tick.C
	}
}

// atoi reads a number the demo printed.
func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}

// TestLegendCoversWorkload checks that the legend describes exactly the
// types the workload enqueues and handles, with their counts, in aligned
// columns.
func TestLegendCoversWorkload(t *testing.T) {
	w := newWorkload()
	tasks := w.tasks()
	counts := countTypes(tasks)
	handled := map[string]bool{}
	for _, h := range w.handlers() {
		handled[h.typ] = true
	}
	described := map[string]bool{}
	for _, e := range legend {
		described[e.typ] = true
	}
	require.Len(t, described, len(legend), "a type is described twice")
	periodic := map[string]bool{}
	for _, e := range legend {
		periodic[e.typ] = e.schedule != ""
	}
	for _, typ := range demoTypes {
		require.True(t, described[typ], "legend lacks %s", typ)
		require.True(t, handled[typ], "no handler for %s", typ)
		if periodic[typ] {
			require.Zero(t, counts[typ], "periodic %s tasks come from the leader, not the batch", typ)
		} else {
			require.Positive(t, counts[typ], "no %s task enqueued", typ)
		}
	}
	require.Len(t, counts, len(demoTypes)-1, "enqueued types")
	require.Len(t, described, len(demoTypes), "described types")

	var out bytes.Buffer
	require.NoError(t, printLegend(&out, tasks))
	text := out.String()
	require.Contains(t, text, fmt.Sprintf("%d tasks of %d types", len(tasks), len(counts)))
	column := -1
	for _, e := range legend {
		line := lineOf(t, text, "  "+e.typ+" ")
		if e.schedule != "" {
			require.Contains(t, line, " "+e.schedule+" ", "schedule of %s", e.typ)
		} else {
			require.Regexp(t, fmt.Sprintf(`\s%d\s`, counts[e.typ]), line, "count of %s", e.typ)
		}
		at := strings.Index(line, e.standsFor)
		require.Positive(t, at, "line of %s: %q", e.typ, line)
		if column < 0 {
			column = at
		}
		require.Equal(t, column, at, "column of %q in %q", e.standsFor, line)
	}
}

// legendSection returns what the demo printed before its first database
// line, failing the test when that is not the legend.
func legendSection(t *testing.T, text string) string {
	t.Helper()
	end := strings.Index(text, "\ndatabase: ")
	require.Positive(t, end, "no database line after the legend:\n%s", text)
	require.True(t, strings.HasPrefix(text, "asynqpg demo: "), "output does not start with the legend:\n%s", text)
	return text[:end]
}

// lineOf returns the first line of text that contains sub.
func lineOf(t *testing.T, text, sub string) string {
	t.Helper()
	for line := range strings.Lines(text) {
		if strings.Contains(line, sub) {
			return line
		}
	}
	require.Failf(t, "line not found", "no line contains %q in:\n%s", sub, text)
	return ""
}
