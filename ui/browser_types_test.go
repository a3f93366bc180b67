package ui

import "context"
import "fmt"
import "os"
import "slices"
import "strings"
import "testing"
import "time"

import "github.com/chromedp/chromedp"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/internal/testfixture/testconsumer"

// startConsumer starts a real consumer on the dashboard's database that
// serves types, each with workers workers; it is stopped at the end of
// the test.
func (d *liveDashboard) startConsumer(t *testing.T, id string, workers int, types ...string) *consumer.Consumer {
	t.Helper()
	return testconsumer.Start(t, asynqpg.WrapStdDB(d.DB, "pgx"), id, 200*time.Millisecond, testconsumer.Workers(workers, types...))
}

// client is a client on the dashboard's database.
func (d *liveDashboard) client(t *testing.T) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{Pool: asynqpg.WrapStdDB(d.DB, "pgx")})
	if err != nil {
		t.Fatalf("client.New: %v", err)
	}
	return c
}

// paused lists the paused task types as the client reads them.
func (d *liveDashboard) paused(t *testing.T) []string {
	t.Helper()
	types, err := d.client(t).ListPausedTaskTypes(context.Background())
	if err != nil {
		t.Fatalf("list paused task types: %v", err)
	}
	return types
}

func TestBrowserOverviewListsLiveConsumersAndWarnsOfUnservedTypes(t *testing.T) {
	d := newDashboard(t, HandlerOpts{})
	seedMixed(t, d) // email has pending tasks; report has none
	if _, err := d.Producer.Enqueue(context.Background(), asynqpg.NewTask("later", []byte(`{}`), asynqpg.WithDelay(time.Hour))); err != nil {
		t.Fatal(err)
	}
	c := d.startConsumer(t, "worker-1", 2, "report", "sms")
	if err := d.client(t).PauseTaskType(context.Background(), "report"); err != nil {
		t.Fatal(err)
	}
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, nil)
	b.run(t, "open overview", chromedp.Navigate(d.url("/")))
	b.waitCount(t, `table[data-consumers="1"] tbody tr`, 1)
	row := eval[[]string](t, b, `[...document.querySelectorAll('table[data-consumers] tbody td')].map(td => td.textContent)`)
	if len(row) != 4 || row[0] != host+" · worker-1" || row[1] != "report, sms" || row[2] != "4" || !strings.HasSuffix(row[3], "ago") && row[3] != "just now" {
		t.Errorf("consumer row %q, want host · worker-1, report, sms, 4 workers, a recent heartbeat", row)
	}
	b.waitCount(t, `[data-unserved]`, 1)
	named := eval[[]string](t, b, `[...document.querySelectorAll('[data-unserved] a')].map(a => a.textContent)`)
	if !slices.Equal(named, []string{"email"}) {
		t.Errorf("the warning names %q, want only email (report is served, later not ready yet)", named)
	}
	b.waitCount(t, `#types tr[data-type="email"] .badge-warn`, 1)
	b.waitCount(t, `#types tr[data-type="report"] .badge-paused`, 1)
	b.screenshot(t, "overview")

	// Once its consumer stops, the page says so on its next refresh.
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	b.waitCount(t, `[data-consumers="0"]`, 1)
	if errs := b.pageErrors(); len(errs) > 0 {
		t.Errorf("page errors: %v", errs)
	}
}

func TestBrowserPauseAndResumeATypeFromTheOverview(t *testing.T) {
	d := newDashboard(t, HandlerOpts{})
	seedMixed(t, d)
	if err := d.client(t).PauseTaskType(context.Background(), "idle"); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, nil)
	b.run(t, "open overview", chromedp.Navigate(d.url("/")))
	// A paused type without tasks is listed, so that it can be resumed.
	b.waitCount(t, `#types tr[data-type="idle"] button[data-action="resume"]`, 1)

	email := `#types tr[data-type="email"]`
	b.run(t, "pause email",
		chromedp.WaitVisible(chromedp.CSS(email+` button[data-action="pause"]`)),
		chromedp.Click(chromedp.CSS(email+` button[data-action="pause"]`)))
	b.waitCount(t, email+` .badge-paused`, 1)
	b.waitCount(t, email+` button[data-action="resume"]`, 1)
	if got := d.paused(t); !slices.Equal(got, []string{"email", "idle"}) {
		t.Fatalf("paused types %q after Pause on the page, want email and idle", got)
	}

	for _, typ := range []string{"email", "idle"} {
		sel := fmt.Sprintf(`#types tr[data-type=%q]`, typ)
		b.run(t, "resume "+typ, chromedp.Click(chromedp.CSS(sel+` button[data-action="resume"]`)))
		if typ == "email" {
			b.waitCount(t, sel+` button[data-action="pause"]`, 1)
			b.waitCount(t, sel+` .badge-paused`, 0)
		}
	}
	// The resumed type without tasks leaves the table.
	b.waitCount(t, `#types tr[data-type="idle"]`, 0)
	if got := d.paused(t); len(got) != 0 {
		t.Fatalf("paused types %q after Resume on the page, want none", got)
	}
	if errs := b.pageErrors(); len(errs) > 0 {
		t.Errorf("page errors: %v", errs)
	}
}
