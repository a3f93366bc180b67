package ui

import "encoding/json"
import "io"
import "net/http"
import "net/http/httptest"
import "strings"
import "testing"

import "github.com/yakser/asynqpg/internal/testfixture/taskdb"

// apiFixture is NewHandler on a fresh database, mounted under testPrefix
// in a mux as a user would mount it.
type apiFixture struct {
	*taskdb.Tasks
	h   http.Handler
	mux *http.ServeMux
	// prefix is the path the handler is mounted under.
	prefix string
}

func newAPI(t *testing.T, opts HandlerOpts) *apiFixture {
	t.Helper()
	tasks := taskdb.Open(t)
	opts.Pool = tasks.Pool
	if opts.Prefix == "" {
		opts.Prefix = testPrefix
	}
	h, err := NewHandler(opts)
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle(mountPrefix(opts.Prefix)+"/", h)
	return &apiFixture{Tasks: tasks, h: h, mux: mux, prefix: mountPrefix(opts.Prefix)}
}

// pause pauses taskType in the database.
func (f *apiFixture) pause(t *testing.T, taskType string) {
	t.Helper()
	if _, err := f.DB.Exec(`INSERT INTO asynqpg_paused_types (type) VALUES ($1) ON CONFLICT DO NOTHING`, taskType); err != nil {
		t.Fatal(err)
	}
}

// paused lists the paused task types, comma-separated in name order.
func (f *apiFixture) paused(t *testing.T) string {
	t.Helper()
	var s string
	if err := f.DB.QueryRow(`SELECT coalesce(string_agg(type, ',' ORDER BY type), '') FROM asynqpg_paused_types`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// do sends a request through the user's mux.
func (f *apiFixture) do(t *testing.T, method, target string, body io.Reader, edit ...func(*http.Request)) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, body)
	for _, e := range edit {
		e(req)
	}
	rec := httptest.NewRecorder()
	f.mux.ServeHTTP(rec, req)
	return rec
}

// apiReply is a decoded envelope.
type apiReply struct {
	Data  json.RawMessage `json:"data"`
	Error *apiError       `json:"error"`
}

func decodeReply(t *testing.T, rec *httptest.ResponseRecorder) apiReply {
	t.Helper()
	var r apiReply
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatalf("%d answer is not a JSON envelope: %v: %s", rec.Code, err, rec.Body)
	}
	return r
}

// wantError checks a JSON error answer.
func wantError(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body)
	}
	r := decodeReply(t, rec)
	if r.Error == nil || r.Error.Code != code || r.Error.Message == "" {
		t.Fatalf("error %+v, want code %s: %s", r.Error, code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("content type %q", ct)
	}
}

func basic(user, pass string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(user, pass) }
}

func header(k, v string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set(k, v) }
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// httptestDo sends a request straight to h.
func httptestDo(h http.Handler, method, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}
