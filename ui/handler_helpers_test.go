package ui

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/internal/testdb"
	"github.com/yakser/asynqpg/internal/testfixture"
	"github.com/yakser/asynqpg/producer"
)

// apiFixture is NewHandler on a fresh database, mounted under testPrefix
// in a mux as a user would mount it.
type apiFixture struct {
	db   *sql.DB
	pool asynqpg.Pool
	h    http.Handler
	mux  *http.ServeMux
	pr   *producer.Producer
	// prefix is the path the handler is mounted under.
	prefix string
}

func newAPI(t *testing.T, opts HandlerOpts) *apiFixture {
	t.Helper()
	db := testdb.Open(t)
	pool := asynqpg.WrapStdDB(db, "pgx")
	opts.Pool = pool
	if opts.Prefix == "" {
		opts.Prefix = testPrefix
	}
	h, err := NewHandler(opts)
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle(mountPrefix(opts.Prefix)+"/", h)
	pr, err := producer.New(producer.Config{Pool: pool})
	if err != nil {
		t.Fatal(err)
	}
	return &apiFixture{db: db, pool: pool, h: h, mux: mux, pr: pr, prefix: mountPrefix(opts.Prefix)}
}

// enqueue inserts a task through the producer and returns its id.
func (f *apiFixture) enqueue(t *testing.T, typ, payload string) int64 {
	t.Helper()
	id, err := f.pr.Enqueue(context.Background(), asynqpg.NewTask(typ, []byte(payload)))
	if err != nil {
		t.Fatalf("enqueue %s: %v", typ, err)
	}
	return id
}

// setStatus moves a task to status as a consumer would.
func (f *apiFixture) setStatus(t *testing.T, id int64, status string) {
	t.Helper()
	testfixture.SetStatus(t, f.db, id, asynqpg.TaskStatus(status), "boom")
}

// status reads a task's status; "deleted" when it is gone.
func (f *apiFixture) status(t *testing.T, id int64) string {
	t.Helper()
	return testfixture.StatusOf(t, f.db, id)
}

// pause pauses taskType in the database.
func (f *apiFixture) pause(t *testing.T, taskType string) {
	t.Helper()
	if _, err := f.db.Exec(`INSERT INTO asynqpg_paused_types (type) VALUES ($1) ON CONFLICT DO NOTHING`, taskType); err != nil {
		t.Fatal(err)
	}
}

// paused lists the paused task types, comma-separated in name order.
func (f *apiFixture) paused(t *testing.T) string {
	t.Helper()
	var s string
	if err := f.db.QueryRow(`SELECT coalesce(string_agg(type, ',' ORDER BY type), '') FROM asynqpg_paused_types`).Scan(&s); err != nil {
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
