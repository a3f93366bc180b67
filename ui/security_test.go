package ui

import "io"
import "net/http"
import "net/http/httptest"
import "net/url"
import "strings"
import "testing"

// chunked is a body of unknown length: the request is sent chunked.
type chunked struct{ r io.Reader }

func (c chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

func TestChunkedBulkBodyIsRead(t *testing.T) {
	f := newAPI(t, HandlerOpts{})
	srv := httptest.NewServer(f.mux)
	t.Cleanup(srv.Close)
	var failed []int64
	for range 3 {
		id := f.Enqueue(t, "email", `{}`)
		f.SetStatus(t, id, "failed")
		failed = append(failed, id)
	}
	for _, action := range []string{"retry", "delete"} {
		body := chunked{strings.NewReader(`{"ids":[` + itoa(failed[0]) + `]}`)}
		req, err := http.NewRequest("POST", srv.URL+testPrefix+"/api/tasks/bulk/"+action, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if len(res.TransferEncoding) != 0 && res.TransferEncoding[0] != "chunked" || req.ContentLength != 0 {
			t.Fatalf("request was not chunked: %v %d", req.TransferEncoding, req.ContentLength)
		}
		if res.StatusCode != http.StatusOK || strings.TrimSpace(string(data)) != `{"data":{"affected":1}}` {
			t.Fatalf("bulk %s: %d %s", action, res.StatusCode, data)
		}
		if action == "retry" {
			f.SetStatus(t, failed[0], "failed")
		}
	}
	if f.Status(t, failed[0]) != "deleted" || f.Status(t, failed[1]) != "failed" || f.Status(t, failed[2]) != "failed" {
		t.Fatal("a bulk action by ids touched other failed tasks")
	}
}

func TestPathTricksUnderThePrefix(t *testing.T) {
	f := newAPI(t, HandlerOpts{BasicAuth: &BasicAuth{Username: "u", Password: "p"}})
	id := f.Enqueue(t, "email", `{}`)
	f.SetStatus(t, id, "failed")
	s := itoa(id)
	tests := []struct {
		name, method, target string
		status               int
	}{
		{"dot dot out of the prefix", "GET", testPrefix + "/../queue/api/stats", http.StatusBadRequest},
		{"dot dot inside", "POST", testPrefix + "/api/tasks/x/../" + s + "/retry", http.StatusBadRequest},
		{"dot segment", "GET", testPrefix + "/./api/stats", http.StatusBadRequest},
		{"double slash", "GET", testPrefix + "//api/stats", http.StatusBadRequest},
		{"encoded slash in the id", "POST", testPrefix + "/api/tasks/" + s + "%2Fretry", http.StatusMethodNotAllowed}, // the {id} route, not retry
		{"encoded slash in a read", "GET", testPrefix + "/api/tasks/" + s + "%2Fpayload", http.StatusBadRequest},
		{"encoded slash in the route", "POST", testPrefix + "/api/tasks%2F" + s + "/retry", http.StatusNotFound},
		{"encoded slash in the prefix", "GET", "/admin%2Fqueue/api/stats", http.StatusNotFound},
		{"encoded dot dot", "POST", testPrefix + "/api/tasks/%2e%2e/" + s + "/retry", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := rawRequest(t, tt.method, tt.target)
			req.SetBasicAuth("u", "p")
			rec := httptest.NewRecorder()
			f.h.ServeHTTP(rec, req) // straight to the handler: no mux cleans the path first
			if rec.Code != tt.status {
				t.Fatalf("%s %s: %d, want %d: %s", tt.method, tt.target, rec.Code, tt.status, rec.Body)
			}
			if got := f.Status(t, id); got != "failed" {
				t.Fatalf("task is %s after %s", got, tt.target)
			}
		})
	}
	// Without credentials, the same tricks never get past auth.
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, rawRequest(t, tt.method, tt.target))
		if rec.Code == http.StatusOK {
			t.Errorf("%s without credentials: 200", tt.target)
		}
	}
}

func TestNewHandlerValidatesOptions(t *testing.T) {
	f := newAPI(t, HandlerOpts{})
	dup := []AuthProvider{&fakeProvider{id: "gh"}, &fakeProvider{id: "gh"}}
	tests := []struct {
		name string
		opts HandlerOpts
		want string
	}{
		{"no pool", HandlerOpts{}, "pool is required"},
		{"both auths", HandlerOpts{Pool: f.Pool, BasicAuth: &BasicAuth{"a", "b"}, AuthProviders: []AuthProvider{&fakeProvider{id: "x"}}}, "mutually exclusive"},
		{"no username", HandlerOpts{Pool: f.Pool, BasicAuth: &BasicAuth{Password: "b"}}, "username is required"},
		{"no password", HandlerOpts{Pool: f.Pool, BasicAuth: &BasicAuth{Username: "a"}}, "password is required"},
		{"colon in username", HandlerOpts{Pool: f.Pool, BasicAuth: &BasicAuth{"a:b", "c"}}, `"a:b"`},
		{"duplicate provider", HandlerOpts{Pool: f.Pool, AuthProviders: dup}, "duplicate auth provider ID: gh"},
		{"nil provider", HandlerOpts{Pool: f.Pool, AuthProviders: []AuthProvider{nil}}, "AuthProviders[0] is nil"},
		{"provider id with slash", HandlerOpts{Pool: f.Pool, AuthProviders: []AuthProvider{&fakeProvider{id: "a/b"}}}, `"a/b"`},
		{"negative max age", HandlerOpts{Pool: f.Pool, SessionMaxAge: -1}, "SessionMaxAge"},
		{"relative prefix", HandlerOpts{Pool: f.Pool, Prefix: "admin"}, `"admin"`},
		{"prefix with dots", HandlerOpts{Pool: f.Pool, Prefix: "/a/../b"}, `"/a/../b"`},
		{"bad origin", HandlerOpts{Pool: f.Pool, AllowedOrigins: []string{"admin.example.com/path"}}, "AllowedOrigins"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := NewHandler(tt.opts)
			if err == nil || h != nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "asynqpg/ui: ") {
				t.Fatalf("NewHandler = %v, %v; want an error with %q", h, err, tt.want)
			}
		})
	}
}

// rawRequest builds a request for target exactly as written: no dot
// segment is resolved, no escape undone.
func rawRequest(t *testing.T, method, target string) *http.Request {
	t.Helper()
	u, err := url.ParseRequestURI(target)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(method, "http://example.com/", nil)
	req.URL, req.RequestURI = u, target
	return req
}

func TestCORSPreflightOnlyForTrustedOrigins(t *testing.T) {
	const trusted = "https://admin.example.com"
	f := newAPI(t, HandlerOpts{AllowedOrigins: []string{trusted + "/"}, BasicAuth: &BasicAuth{Username: "u", Password: "p"}})
	tests := []struct {
		origin     string
		wantStatus int
		wantAllow  string
	}{
		{trusted, http.StatusNoContent, trusted},
		{"https://evil.example", http.StatusUnauthorized, ""},
		{"", http.StatusUnauthorized, ""},
	}
	for _, tt := range tests {
		rec := f.do(t, http.MethodOptions, testPrefix+"/api/tasks/1/retry", nil,
			header("Origin", tt.origin), header("Access-Control-Request-Method", "POST"))
		if rec.Code != tt.wantStatus || rec.Header().Get("Access-Control-Allow-Origin") != tt.wantAllow {
			t.Errorf("preflight from %q: %d, allow %q; want %d, %q", tt.origin, rec.Code,
				rec.Header().Get("Access-Control-Allow-Origin"), tt.wantStatus, tt.wantAllow)
		}
	}
}
