package ui

import "net/http"
import "net/url"
import "strings"
import "testing"

import "github.com/chromedp/chromedp"

// selfProvider is an OAuth provider that approves at once: BeginAuth
// sends the browser straight back to the callback.
type selfProvider struct{ fakeProvider }

func (p *selfProvider) BeginAuth(w http.ResponseWriter, r *http.Request, callbackURL, state string) {
	http.Redirect(w, r, callbackURL+"?code=ok&state="+url.QueryEscape(state), http.StatusFound)
}

func TestBrowserOAuthSignInUnderThePrefix(t *testing.T) {
	d := newDashboard(t, HandlerOpts{AuthProviders: []AuthProvider{&selfProvider{fakeProvider{id: "corp"}}}})
	seedMixed(t, d)
	b := newBrowser(t, nil)
	b.run(t, "open overview", chromedp.Navigate(d.url("/")))
	b.waitCount(t, `a[data-provider="corp"]`, 1)
	if loc := eval[string](t, b, `location.pathname`); loc != testPrefix+"/login" {
		t.Fatalf("not signed in, the page is at %s, want the login page", loc)
	}
	b.pageErrors() // the 401s that sent the page to the login page
	b.run(t, "sign in", chromedp.Click(chromedp.CSS(`a[data-provider="corp"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-count="total"] .card-value`)))
	b.waitText(t, `[data-count="total"] .card-value`, "6")
	b.waitText(t, `.user-name`, "Ada")
	if loc := eval[string](t, b, `location.pathname`); !strings.HasPrefix(loc, testPrefix+"/") {
		t.Fatalf("after sign-in the page is at %s, outside the prefix", loc)
	}
	if eval[bool](t, b, `document.cookie.includes("asynqpg_session")`) {
		t.Fatal("the session cookie is readable from scripts")
	}
	b.run(t, "sign out", chromedp.Click(chromedp.CSS(`button[data-action="logout"]`)))
	b.waitCount(t, `a[data-provider="corp"]`, 1)
	b.run(t, "reopen overview", chromedp.Navigate(d.url("/")))
	b.waitCount(t, `a[data-provider="corp"]`, 1)
}

func TestBrowserOverviewAtTheRoot(t *testing.T) {
	d := newDashboard(t, HandlerOpts{Prefix: "/"})
	seedMixed(t, d)
	b := newBrowser(t, nil)
	b.run(t, "open overview", chromedp.Navigate(d.url("/")))
	b.waitText(t, `[data-count="failed"] .card-value`, "2")
	b.run(t, "go to tasks", chromedp.Click(chromedp.CSS(`nav a[data-nav="/tasks"]`)))
	b.waitCount(t, `#tasks tbody tr[data-task-id]`, 6)
	if errs := b.pageErrors(); len(errs) > 0 {
		t.Errorf("page errors: %v", errs)
	}
}
