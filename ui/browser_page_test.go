package ui

import "net/http"
import "net/http/httptest"
import "strings"
import "testing"
import "time"

import "github.com/chromedp/chromedp"

// TestBrowserPageRunsUnderItsPolicy loads the built page, mounted under a
// prefix, in Chromium: its script and stylesheet load and run under the
// Content-Security-Policy, and with no API behind it the page says so.
func TestBrowserPageRunsUnderItsPolicy(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle(testPrefix+"/", http.StripPrefix(testPrefix, newAssetHandler(testPrefix)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	b := newBrowser(t, nil)
	b.run(t, "open page", chromedp.Navigate(srv.URL+testPrefix+"/tasks/42"))
	b.waitCount(t, `#app .boot.error`, 1)

	margin := eval[string](t, b, `getComputedStyle(document.body).margin`)
	meta := eval[string](t, b, `document.querySelector('meta[name="asynqpg-prefix"]').content`)
	if margin != "0px" {
		t.Errorf("body margin %q: the stylesheet did not apply", margin)
	}
	if meta != testPrefix {
		t.Errorf("prefix meta %q, want %q", meta, testPrefix)
	}
	if errs := b.pageErrors(); len(errs) > 0 {
		t.Errorf("page errors: %v", errs)
	}
	// The error listener sees a failed request and a refused inline script.
	eval[any](t, b, `fetch("assets/missing.js").then(() => 1)`)
	eval[any](t, b, `(() => { const s = document.createElement("script"); s.textContent = "window.__inline = 1"; document.body.append(s); return 1 })()`)
	b.run(t, "settle", chromedp.Sleep(500*time.Millisecond))
	if ran := eval[bool](t, b, `window.__inline === 1`); ran {
		t.Error("an inline script ran despite the policy")
	}
	errs := strings.Join(b.pageErrors(), "\n")
	for _, want := range []string{"HTTP 404", "Content Security Policy violation"} {
		if !strings.Contains(errs, want) {
			t.Errorf("page errors lack %q: %s", want, errs)
		}
	}
}
