package main

import "bytes"
import "context"
import "encoding/json"
import "fmt"
import "io"
import "net/http"
import "regexp"
import "strings"
import "sync"
import "testing"
import "time"

import "github.com/jackc/pgx/v5"
import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/internal/embeddedpg"
import "github.com/yakser/asynqpg/internal/testdb"
import "github.com/yakser/asynqpg/internal/testfixture"

// waitLimit bounds every wait of the tests on the demo.
const waitLimit = 90 * time.Second

// syncBuffer is what the demo prints, readable while it runs; changed is
// closed at each write.
type syncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{changed: make(chan struct{})} }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	close(b.changed)
	b.changed = make(chan struct{})
	return b.buf.Write(p)
}

// snapshot returns the text so far and a channel closed at the next write.
func (b *syncBuffer) snapshot() (string, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String(), b.changed
}

// demoRun is a demo running in the background of a test.
type demoRun struct {
	out    *syncBuffer
	done   chan struct{}
	err    error // set before done is closed
	dbURL  string
	cancel context.CancelFunc
}

// startDemo runs the demo with opts in a fresh database on the test
// server, dropped when the test ends.
func startDemo(t *testing.T, opts options) *demoRun {
	t.Helper()
	url := testdb.URL(t)
	t.Setenv("DATABASE_URL", url)
	previous := demoDatabase
	demoDatabase = fmt.Sprintf("asynqpg_demo_test_%d", time.Now().UnixNano())
	name := demoDatabase
	dbURL, err := embeddedpg.DatabaseURL(url, name)
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	d := &demoRun{out: newSyncBuffer(), done: make(chan struct{}), dbURL: dbURL, cancel: cancel}
	go func() {
		defer close(d.done)
		d.err = run(ctx, d.out, opts)
	}()
	t.Cleanup(func() {
		cancel()
		<-d.done
		demoDatabase = previous
		conn, err := pgx.Connect(context.Background(), url)
		if err == nil {
			_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
			_ = conn.Close(context.Background())
		}
	})
	return d
}

// running reports whether the demo has not returned yet.
func (d *demoRun) running() bool {
	select {
	case <-d.done:
		return false
	default:
		return true
	}
}

// waitFor waits until the output matches re and returns the submatches,
// failing when the demo ends first.
func (d *demoRun) waitFor(t *testing.T, re string) []string {
	t.Helper()
	pattern := regexp.MustCompile(re)
	timeout := time.After(waitLimit)
	for {
		text, changed := d.out.snapshot()
		if m := pattern.FindStringSubmatch(text); m != nil {
			return m
		}
		select {
		case <-changed:
		case <-d.done:
			text, _ := d.out.snapshot()
			require.Failf(t, "demo ended", "no match of %s; error %v; output:\n%s", re, d.err, text)
		case <-timeout:
			require.Failf(t, "timeout", "no match of %s within %s; output:\n%s", re, waitLimit, text)
		}
	}
}

// wait waits for the demo to return, requires it to succeed, and returns
// what it printed.
func (d *demoRun) wait(t *testing.T) string {
	t.Helper()
	select {
	case <-d.done:
	case <-time.After(waitLimit):
		text, _ := d.out.snapshot()
		require.Failf(t, "timeout", "the demo did not end within %s; output:\n%s", waitLimit, text)
	}
	text, _ := d.out.snapshot()
	require.NoError(t, d.err, text)
	return text
}

// counts are task counts by type, then status; zeros left out.
type counts map[string]map[string]int64

func (c counts) add(typ, status string, n int64) {
	if n == 0 {
		return
	}
	if c[typ] == nil {
		c[typ] = map[string]int64{}
	}
	c[typ][status] += n
}

// dbCounts counts the demo database's tasks by type and status.
func (d *demoRun) dbCounts(t *testing.T) counts {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, d.dbURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT type, status, count(*) FROM asynqpg_tasks GROUP BY type, status`)
	require.NoError(t, err)
	c := counts{}
	for rows.Next() {
		var typ, status string
		var n int64
		require.NoError(t, rows.Scan(&typ, &status, &n))
		c.add(typ, status, n)
	}
	require.NoError(t, rows.Err())
	return c
}

// apiStats asks the dashboard at base for /api/stats and returns its
// counts by type and status, checking that its totals add up.
func apiStats(t *testing.T, base string) counts {
	t.Helper()
	body := get(t, base+"api/stats", "application/json")
	var answer struct {
		Data testfixture.StatsJSON `json:"data"`
	}
	require.NoError(t, json.Unmarshal(body, &answer), string(body))
	c := counts{}
	var total int64
	for _, ts := range answer.Data.ByType {
		var sum int64
		for status, n := range ts.ByStatus {
			c.add(ts.Type, status, n)
			sum += n
		}
		require.Equal(t, ts.Total, sum, "total of %s in %s", ts.Type, body)
		total += sum
	}
	require.Equal(t, answer.Data.Total, total, "total in %s", body)
	return c
}

// get GETs url and returns the body of a 200 answer of the content type.
func get(t *testing.T, url, contentType string) []byte {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, "GET %s: %s", url, body)
	require.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), contentType),
		"GET %s: content type %q", url, res.Header.Get("Content-Type"))
	return body
}

// requirePage checks that base answers the dashboard's page.
func requirePage(t *testing.T, base string) {
	t.Helper()
	require.Contains(t, string(get(t, base, "text/html")), "<title>asynqpg</title>")
}
