package ui

import "context"
import "fmt"
import "os"
import "os/exec"
import "strings"
import "sync"
import "testing"
import "time"

import "github.com/chromedp/cdproto/cdp"
import "github.com/chromedp/cdproto/fetch"
import cdplog "github.com/chromedp/cdproto/log"
import "github.com/chromedp/cdproto/network"
import "github.com/chromedp/cdproto/page"
import "github.com/chromedp/cdproto/runtime"
import "github.com/chromedp/chromedp"

// testPrefix is where the browser tests mount the dashboard, so that every
// test also checks that assets, API calls and the router honor a prefix.
const testPrefix = "/admin/queue"

// chromiumPath finds the browser; the tests fail, saying what to install,
// when there is none.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("CHROMIUM_PATH"), os.Getenv("CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium for the dashboard's browser tests: install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH to its path")
	return ""
}

// browser is a headless Chromium tab that records the page's errors.
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

// credentials answer the browser's basic auth challenges when set.
type credentials struct{ username, password string }

func newBrowser(t *testing.T, creds *credentials) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.WindowSize(1400, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })

	b := &browser{ctx: ctx}
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg := ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				msg += " " + ev.ExceptionDetails.Exception.Description
			}
			b.record("exception: " + msg)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				b.record("console.error: " + strings.Join(parts, " "))
			}
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError {
				b.record("log: " + ev.Entry.Text + " " + ev.Entry.URL)
			}
		case *network.EventResponseReceived:
			if ev.Response.Status >= 400 {
				b.record(fmt.Sprintf("HTTP %d %s", ev.Response.Status, ev.Response.URL))
			}
		case *page.EventJavascriptDialogOpening:
			b.record("dialog: " + ev.Message)
			go func() {
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			}()
		case *fetch.EventRequestPaused:
			go func() {
				_, _ = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
			}()
		case *fetch.EventAuthRequired:
			answer := &fetch.AuthChallengeResponse{Response: fetch.AuthChallengeResponseResponseCancelAuth}
			if creds != nil {
				answer = &fetch.AuthChallengeResponse{
					Response: fetch.AuthChallengeResponseResponseProvideCredentials,
					Username: creds.username, Password: creds.password,
				}
			}
			go func() {
				_, _ = chromedp.Call(ctx, fetch.ContinueWithAuth, fetch.ContinueWithAuthParams{RequestID: ev.RequestID, AuthChallengeResponse: answer})
			}()
		}
	})
	if err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	handleAuth := true
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("enable the browser log: %v", err)
	}
	// A policy violation is reported as a console error, which the
	// listener records.
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `document.addEventListener("securitypolicyviolation", (e) => console.error("Content Security Policy violation:", e.violatedDirective, e.blockedURI));`,
	}); err != nil {
		t.Fatalf("watch policy violations: %v", err)
	}
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{HandleAuthRequests: &handleAuth}); err != nil {
		t.Fatalf("enable request interception: %v", err)
	}
	return b
}

func (b *browser) record(msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errors = append(b.errors, msg)
}

// pageErrors returns and forgets the errors the page reported.
func (b *browser) pageErrors() (errs []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	errs, b.errors = b.errors, nil
	return errs
}

// run performs actions, failing the test with what was asked.
func (b *browser) run(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		t.Fatalf("%s: %v (page errors: %v)", what, err, b.pageErrors())
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v (page errors: %v)", expr, err, b.pageErrors())
	}
	return v
}

// waitFor waits until the expression is true.
func (b *browser) waitFor(expr string) error {
	_, err := chromedp.Run(b.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(15*time.Second)))
	return err
}

// count returns how many elements match sel.
func (b *browser) count(t *testing.T, sel string) int {
	t.Helper()
	return eval[int](t, b, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel))
}

// waitCount waits until want elements match sel.
func (b *browser) waitCount(t *testing.T, sel string, want int) {
	t.Helper()
	if err := b.waitFor(fmt.Sprintf(`document.querySelectorAll(%q).length === %d`, sel, want)); err != nil {
		t.Fatalf("%d elements match %s, want %d: %v (page errors: %v)", b.count(t, sel), sel, want, err, b.pageErrors())
	}
}
