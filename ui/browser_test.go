// These tests drive the page in Chromium against the API of NewHandler
// and a real database.

package ui

import "context"
import "fmt"
import "net/http/httptest"
import "os"
import "path/filepath"
import "strconv"
import "strings"
import "testing"
import "time"

import "github.com/chromedp/chromedp"

// liveDashboard is a real database with the real NewHandler in front of it,
// served under testPrefix.
type liveDashboard struct {
	*apiFixture
	server *httptest.Server
}

func newDashboard(t *testing.T, opts HandlerOpts) *liveDashboard {
	t.Helper()
	f := newAPI(t, opts)
	srv := httptest.NewServer(f.mux)
	t.Cleanup(srv.Close)
	return &liveDashboard{apiFixture: f, server: srv}
}

// url is the address of a dashboard path such as "/tasks".
func (d *liveDashboard) url(path string) string { return d.server.URL + d.prefix + path }

// finish moves a task to a final status as a consumer would, with one
// message per attempt.
func (d *liveDashboard) finish(t *testing.T, id int64, status string, messages ...string) {
	t.Helper()
	if messages == nil {
		messages = []string{}
	}
	_, err := d.DB.ExecContext(context.Background(), `UPDATE asynqpg_tasks
		SET status = $2, messages = $3, attempts_elapsed = cardinality($3::text[]),
		    attempts_left = 0, attempted_at = now(), finalized_at = now(), updated_at = now()
		WHERE id = $1`, id, status, messages)
	if err != nil {
		t.Fatalf("finish task %d as %s: %v", id, status, err)
	}
}

// seedMixed inserts 3 pending and 2 failed tasks of type email and one
// completed task of type report; it returns the failed ids.
func seedMixed(t *testing.T, d *liveDashboard) []int64 {
	t.Helper()
	for range 3 {
		d.Enqueue(t, "email", `{"to":"a@example.com"}`)
	}
	var failed []int64
	for i := range 2 {
		id := d.Enqueue(t, "email", `{"to":"b@example.com"}`)
		d.finish(t, id, "failed", fmt.Sprintf("smtp refused, attempt %d", i+1))
		failed = append(failed, id)
	}
	d.finish(t, d.Enqueue(t, "report", `{}`), "completed")
	return failed
}

func TestBrowserOverviewShowsSeededCounts(t *testing.T) {
	d := newDashboard(t, HandlerOpts{})
	seedMixed(t, d)
	b := newBrowser(t, nil)
	b.run(t, "open overview", chromedp.Navigate(d.url("/")))
	for sel, want := range map[string]string{
		`[data-count="total"] .card-value`:     "6",
		`[data-count="pending"] .card-value`:   "3",
		`[data-count="failed"] .card-value`:    "2",
		`[data-count="completed"] .card-value`: "1",
		`[data-count="running"] .card-value`:   "0",
	} {
		b.waitText(t, sel, want)
	}
	b.waitCount(t, `#types tbody tr[data-type]`, 2)
	b.waitText(t, `#types tr[data-type="email"] td:nth-child(5)`, "2")
	if errs := b.pageErrors(); len(errs) > 0 {
		t.Errorf("page errors: %v", errs)
	}
}

func TestBrowserFilterNarrowsTheList(t *testing.T) {
	d := newDashboard(t, HandlerOpts{})
	seedMixed(t, d)
	b := newBrowser(t, nil)
	b.run(t, "open tasks", chromedp.Navigate(d.url("/tasks")))
	b.waitCount(t, `#tasks tbody tr[data-task-id]`, 6)
	b.screenshot(t, "tasks")

	b.run(t, "filter by status",
		chromedp.SetValue(chromedp.CSS(`form[data-filters] select[name="status"]`), "failed"),
		chromedp.Click(chromedp.CSS(`form[data-filters] button[type="submit"]`)))
	b.waitCount(t, `#tasks tbody tr[data-task-id]`, 2)
	if n := b.count(t, `#tasks tbody tr[data-status="failed"]`); n != 2 {
		t.Fatalf("%d failed rows after filtering by failed, want 2", n)
	}
	loc := eval[string](t, b, `location.href`)
	if !strings.Contains(loc, testPrefix+"/tasks?") || !strings.Contains(loc, "status=failed") {
		t.Errorf("location %s does not keep the filter under the prefix", loc)
	}

	b.run(t, "filter by type",
		chromedp.SetValue(chromedp.CSS(`form[data-filters] select[name="status"]`), ""),
		chromedp.SendKeys(chromedp.CSS(`form[data-filters] input[name="type"]`), "report"),
		chromedp.Click(chromedp.CSS(`form[data-filters] button[type="submit"]`)))
	b.waitCount(t, `#tasks tbody tr[data-task-id]`, 1)
	b.waitText(t, `#tasks tbody tr[data-task-id] td:nth-child(3)`, "report")
}

func TestBrowserRetryFromThePageChangesTheDatabase(t *testing.T) {
	d := newDashboard(t, HandlerOpts{})
	failed := seedMixed(t, d)
	b := newBrowser(t, nil)
	b.run(t, "open failed tasks", chromedp.Navigate(d.url("/tasks?status=failed")))
	row := fmt.Sprintf(`#tasks tr[data-task-id="%d"]`, failed[0])
	b.run(t, "retry one task",
		chromedp.WaitVisible(chromedp.CSS(row+` button[data-action="retry"]`)),
		chromedp.Click(chromedp.CSS(row+` button[data-action="retry"]`)))
	b.waitCount(t, `#tasks tbody tr[data-task-id]`, 1)
	if got := d.Status(t, failed[0]); got != "pending" {
		t.Fatalf("task %d is %s after retry from the page, want pending", failed[0], got)
	}
	if got := d.Status(t, failed[1]); got != "failed" {
		t.Fatalf("task %d is %s, want it still failed", failed[1], got)
	}

	b.run(t, "delete the other",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#tasks tr[data-task-id="%d"] button[data-action="delete"]`, failed[1]))),
		chromedp.WaitVisible(chromedp.CSS(`dialog[open] button[data-confirm]`)),
		chromedp.Click(chromedp.CSS(`dialog[open] button[data-confirm]`)))
	b.waitCount(t, `#tasks tbody tr[data-task-id]`, 0)
	var n int
	if err := d.DB.QueryRow(`SELECT count(*) FROM asynqpg_tasks WHERE id = $1`, failed[1]).Scan(&n); err != nil || n != 0 {
		t.Fatalf("task %d still stored (%d rows, %v) after delete from the page", failed[1], n, err)
	}
}

func TestBrowserHTMLInPayloadAndMessageIsShownAsText(t *testing.T) {
	const attack = `<img src=x onerror="window.__pwned=1;alert(1)"><script>window.__pwned=2;alert(2)</script>`
	d := newDashboard(t, HandlerOpts{})
	id := d.Enqueue(t, "email", `{"html":"<img src=x onerror=\"window.__pwned=3\"><script>window.__pwned=4</script>"}`)
	d.finish(t, id, "failed", attack)
	b := newBrowser(t, nil)
	for _, path := range []string{"/tasks", "/tasks/" + strconv.FormatInt(id, 10)} {
		b.run(t, "open "+path, chromedp.Navigate(d.url(path)))
		b.waitCount(t, `main pre.message-text, #tasks td.message`, 1)
	}
	b.waitText(t, `li[data-attempt="1"] pre`, attack)
	b.run(t, "wait for payload", chromedp.WaitVisible(chromedp.CSS(`pre[data-payload]`)))
	payload := eval[string](t, b, `document.querySelector("pre[data-payload]").textContent`)
	// The page pretty-prints JSON, so the quotes inside the string stay escaped.
	if !strings.Contains(payload, `<img src=x onerror=\"window.__pwned=3\"><script>window.__pwned=4</script>`) {
		t.Errorf("payload not shown literally: %q", payload)
	}
	b.screenshot(t, "task")
	b.run(t, "settle", chromedp.Sleep(500*time.Millisecond))
	if eval[bool](t, b, `window.__pwned !== undefined`) {
		t.Fatal("markup from a payload or a message ran in the page")
	}
	if n := b.count(t, `main img, main script`); n != 0 {
		t.Fatalf("%d elements made from task data, want none", n)
	}
	for _, e := range b.pageErrors() {
		if strings.HasPrefix(e, "dialog:") {
			t.Fatalf("task data opened an alert: %s", e)
		}
	}
}

func TestBrowserHiddenPayloadIsRevealedOnRequest(t *testing.T) {
	d := newDashboard(t, HandlerOpts{HidePayloadByDefault: true})
	id := d.Enqueue(t, "email", `{"secret":"s3cr3t"}`)
	b := newBrowser(t, nil)
	b.run(t, "open task", chromedp.Navigate(d.url("/tasks/"+strconv.FormatInt(id, 10))),
		chromedp.WaitVisible(chromedp.CSS(`button[data-action="reveal"]`)))
	body := eval[string](t, b, `document.querySelector("main").textContent`)
	if strings.Contains(body, "s3cr3t") {
		t.Fatal("payload shown before it was revealed")
	}
	b.run(t, "reveal", chromedp.Click(chromedp.CSS(`button[data-action="reveal"]`)))
	b.waitCount(t, `pre[data-payload]`, 1)
	payload := eval[string](t, b, `document.querySelector("pre[data-payload]").textContent`)
	if !strings.Contains(payload, `"secret": "s3cr3t"`) {
		t.Fatalf("revealed payload %q", payload)
	}
}

func TestBrowserBasicAuth(t *testing.T) {
	opts := HandlerOpts{BasicAuth: &BasicAuth{Username: "admin", Password: "correct horse"}}
	d := newDashboard(t, opts)
	seedMixed(t, d)

	t.Run("wrong password", func(t *testing.T) {
		b := newBrowser(t, &credentials{"admin", "wrong"})
		_ = chromedp.Do(b.ctx, chromedp.Navigate(d.url("/")))
		b.run(t, "settle", chromedp.Sleep(time.Second))
		if cards := b.count(t, ".card"); cards != 0 {
			t.Fatalf("overview shown with a wrong password (%d cards)", cards)
		}
	})
	t.Run("right password", func(t *testing.T) {
		b := newBrowser(t, &credentials{"admin", "correct horse"})
		b.run(t, "open overview", chromedp.Navigate(d.url("/")))
		b.waitText(t, `[data-count="total"] .card-value`, "6")
		b.waitText(t, `[data-count="failed"] .card-value`, "2")
	})
}

func TestBrowserLiveRefreshShowsNewTasksWithoutReload(t *testing.T) {
	d := newDashboard(t, HandlerOpts{})
	seedMixed(t, d)
	b := newBrowser(t, nil)
	b.run(t, "open overview", chromedp.Navigate(d.url("/")))
	b.waitText(t, `[data-count="total"] .card-value`, "6")
	eval[bool](t, b, `window.__samePage = true`)
	d.Enqueue(t, "late", `{}`)
	b.waitText(t, `[data-count="total"] .card-value`, "7")
	b.waitCount(t, `#types tr[data-type="late"]`, 1)

	b.run(t, "go to tasks", chromedp.Click(chromedp.CSS(`nav a[data-nav="/tasks"]`)))
	b.waitCount(t, `#tasks tbody tr[data-task-id]`, 7)
	id := d.Enqueue(t, "later", `{}`)
	b.waitCount(t, fmt.Sprintf(`#tasks tr[data-task-id="%d"]`, id), 1)
	if !eval[bool](t, b, `window.__samePage === true`) {
		t.Fatal("the page reloaded to show new tasks")
	}
}

func TestBrowserEveryPageLinkedFromTheOverviewLoadsCleanly(t *testing.T) {
	d := newDashboard(t, HandlerOpts{})
	failed := seedMixed(t, d)
	b := newBrowser(t, nil)
	b.run(t, "open overview", chromedp.Navigate(d.url("/")))
	b.waitText(t, `[data-count="total"] .card-value`, "6")
	links := eval[[]string](t, b, `[...new Set([...document.querySelectorAll("a[href]")].map(a => a.href))]`)
	links = append(links, d.url(fmt.Sprintf("/tasks/%d", failed[0])), d.url("/login"))
	if len(links) < 8 {
		t.Fatalf("overview links only %v", links)
	}
	if errs := b.pageErrors(); len(errs) > 0 {
		t.Fatalf("overview: page errors %v", errs)
	}
	for _, link := range links {
		if !strings.HasPrefix(link, d.server.URL+testPrefix+"/") {
			t.Errorf("link %s leaves the mount prefix", link)
			continue
		}
		b.run(t, "open "+link, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`main h1`)), chromedp.Sleep(700*time.Millisecond))
		if eval[bool](t, b, `document.querySelector("main h1").textContent === "Page not found"`) {
			t.Errorf("%s: the page's router does not know it", link)
		}
		if errs := b.pageErrors(); len(errs) > 0 {
			t.Errorf("%s: page errors %v", link, errs)
		}
	}
}

// waitText waits until the element's text is want.
func (b *browser) waitText(t *testing.T, sel, want string) {
	t.Helper()
	expr := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.textContent.trim() === %q; })()`, sel, want)
	if err := b.waitFor(expr); err != nil {
		got := eval[string](t, b, fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || "(no element)"`, sel))
		t.Fatalf("text of %s is %q, want %q: %v (page errors: %v)", sel, got, want, err, b.pageErrors())
	}
}

// screenshot saves the page as dashboard-NAME.png in the directory
// ASYNQPG_SCREENSHOTS names, when it is set.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv("ASYNQPG_SCREENSHOTS")
	if dir == "" {
		return
	}
	b.run(t, "settle", chromedp.Sleep(300*time.Millisecond))
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, "dashboard-"+name+".png")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatalf("screenshot dir: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
}
