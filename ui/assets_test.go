package ui

import "io/fs"
import "net/http"
import "net/http/httptest"
import "regexp"
import "strings"
import "testing"

func serveAsset(t *testing.T, h http.Handler, method, target string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, vs := range header {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// firstAsset returns the path of a built file under assets/ with the given
// extension.
func firstAsset(t *testing.T, ext string) string {
	t.Helper()
	files, err := fs.Glob(dist, "frontend/dist/assets/*"+ext)
	if err != nil || len(files) == 0 {
		t.Fatalf("no built %s file under ui/frontend/dist/assets (run npm ci && npm run build in ui/frontend): %v", ext, err)
	}
	return strings.TrimPrefix(files[0], "frontend/dist/")
}

func TestAssetHandlerServesThePageForEveryRoute(t *testing.T) {
	h := newAssetHandler("/admin/queue/")
	for _, target := range []string{"/", "/tasks", "/tasks/42", "/login?next=%2F", "/admin/queue/tasks/7", "/index.html"} {
		t.Run(target, func(t *testing.T) {
			rec := serveAsset(t, h, http.MethodGet, target, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200", rec.Code)
			}
			for name, want := range map[string]string{
				"Content-Type":            "text/html; charset=utf-8",
				"Cache-Control":           "no-cache",
				"Content-Security-Policy": pagePolicy,
				"X-Content-Type-Options":  "nosniff",
				"X-Frame-Options":         "DENY",
			} {
				if got := rec.Header().Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			body := rec.Body.String()
			for _, want := range []string{`<meta name="asynqpg-prefix" content="/admin/queue" />`, `<base href="/admin/queue/" />`} {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %s:\n%s", want, body)
				}
			}
		})
	}
}

func TestAssetHandlerPolicyForbidsInlineScriptAndFraming(t *testing.T) {
	for _, want := range []string{"default-src 'self'", "script-src 'self';", "style-src 'self';", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'"} {
		if !strings.Contains(pagePolicy, want) {
			t.Errorf("policy %q lacks %q", pagePolicy, want)
		}
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "*"} {
		if strings.Contains(pagePolicy, bad) {
			t.Errorf("policy %q allows %q", pagePolicy, bad)
		}
	}
	page, err := fs.ReadFile(dist, "frontend/dist/index.html")
	if err != nil {
		t.Fatalf("read built page: %v", err)
	}
	// Every script of the page is a file; no inline code, no inline style.
	if m := regexp.MustCompile(`<script(?:[^>]*)>\s*[^<\s]`).Find(page); m != nil {
		t.Errorf("built page has an inline script: %s", m)
	}
	if strings.Contains(string(page), "style=") || strings.Contains(string(page), "<style") {
		t.Errorf("built page has inline style")
	}
}

func TestAssetHandlerEscapesThePrefix(t *testing.T) {
	rec := serveAsset(t, newAssetHandler(`/x"><script>alert(1)</script>`), http.MethodGet, "/", nil)
	body := rec.Body.String()
	if strings.Contains(body, "<script>alert(1)") {
		t.Fatalf("prefix written into the page unescaped:\n%s", body)
	}
	if !strings.Contains(body, `content="/x&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`) {
		t.Errorf("escaped prefix missing:\n%s", body)
	}
}

func TestAssetHandlerMountPrefix(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""}, {"/", ""}, {"//", ""}, {"/admin", "/admin"}, {"admin/queue/", "/admin/queue"}, {"/a/b/", "/a/b"},
	}
	for _, tt := range tests {
		if got := mountPrefix(tt.in); got != tt.want {
			t.Errorf("mountPrefix(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAssetHandlerServesHashedAssetsCachedForever(t *testing.T) {
	h := newAssetHandler("/admin/queue")
	for _, ext := range []string{".js", ".css"} {
		name := firstAsset(t, ext)
		for _, target := range []string{"/" + name, "/admin/queue/" + name} {
			rec := serveAsset(t, h, http.MethodGet, target, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s: status %d, want 200", target, rec.Code)
			}
			if got := rec.Header().Get("Cache-Control"); got != assetCacheControl {
				t.Errorf("GET %s: Cache-Control %q, want %q", target, got, assetCacheControl)
			}
			if ct := rec.Header().Get("Content-Type"); strings.HasPrefix(ct, "text/html") {
				t.Errorf("GET %s: Content-Type %q", target, ct)
			}
		}
	}
}

func TestAssetHandlerRefusesWhatItDoesNotServe(t *testing.T) {
	h := newAssetHandler("")
	tests := []struct {
		name, method, target string
		want                 int
	}{
		{"missing asset", http.MethodGet, "/assets/index-missing.js", http.StatusNotFound},
		{"directory", http.MethodGet, "/assets/", http.StatusNotFound},
		{"escape attempt", http.MethodGet, "/assets/../../assets.go", http.StatusOK}, // cleaned to a page route
		{"post", http.MethodPost, "/", http.StatusMethodNotAllowed},
		{"delete", http.MethodDelete, "/tasks/1", http.StatusMethodNotAllowed},
		{"head", http.MethodHead, "/", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serveAsset(t, h, tt.method, tt.target, nil)
			if rec.Code != tt.want {
				t.Fatalf("%s %s: status %d, want %d", tt.method, tt.target, rec.Code, tt.want)
			}
			if strings.Contains(rec.Body.String(), "package ui") {
				t.Fatalf("%s %s served a source file", tt.method, tt.target)
			}
		})
	}
}

func TestAssetHandlerRevalidatesThePage(t *testing.T) {
	h := newAssetHandler("/q")
	first := serveAsset(t, h, http.MethodGet, "/", nil)
	etag := first.Header().Get("ETag")
	if etag == "" {
		t.Fatal("page sent without ETag")
	}
	again := serveAsset(t, h, http.MethodGet, "/tasks", http.Header{"If-None-Match": {etag}})
	if again.Code != http.StatusNotModified {
		t.Fatalf("status %d with a matching ETag, want 304", again.Code)
	}
	other := serveAsset(t, newAssetHandler("/other"), http.MethodGet, "/", nil)
	if other.Header().Get("ETag") == etag {
		t.Error("pages with different prefixes share an ETag")
	}
}

func TestAssetHandlerPageLinksOnlyBuiltFiles(t *testing.T) {
	rec := serveAsset(t, newAssetHandler(""), http.MethodGet, "/", nil)
	refs := regexp.MustCompile(`(?:src|href)="\./([^"]+)"`).FindAllStringSubmatch(rec.Body.String(), -1)
	if len(refs) < 2 {
		t.Fatalf("page links %d files, want the script and the stylesheet at least", len(refs))
	}
	for _, ref := range refs {
		if _, err := fs.Stat(dist, "frontend/dist/"+ref[1]); err != nil {
			t.Errorf("page links %s, which the build does not hold: %v", ref[1], err)
		}
	}
}
