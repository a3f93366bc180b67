package ui

import "context"
import "encoding/json"
import "net/http"
import "strings"
import "testing"
import "time"

import "github.com/yakser/asynqpg/internal/dashboard"

// route is one route of the API, with a request that reaches it.
type route struct {
	method, path, body string
	changes            bool // state-changing
}

func routes(id int64) []route {
	s := itoa(id)
	return []route{
		{"GET", "/api/health", "", false},
		{"GET", "/api/config", "", false},
		{"GET", "/api/stats", "", false},
		{"GET", "/api/task-types", "", false},
		{"GET", "/api/tasks?status=failed", "", false},
		{"GET", "/api/tasks/" + s, "", false},
		{"GET", "/api/tasks/" + s + "/payload", "", false},
		{"GET", "/api/cluster/leader", "", false},
		{"GET", "/api/consumers", "", false},
		{"GET", "/api/throughput", "", false},
		{"POST", "/api/tasks/" + s + "/retry", "", true},
		{"POST", "/api/tasks/" + s + "/cancel", "", true},
		{"DELETE", "/api/tasks/" + s, "", true},
		{"POST", "/api/tasks/bulk/retry", `{}`, true},
		{"POST", "/api/tasks/bulk/delete", `{}`, true},
		{"POST", "/api/task-types/email/pause", "", true},
		{"POST", "/api/task-types/sms/resume", "", true}, // sms is paused by the tests that check nothing changed
	}
}

func TestEveryRouteAnswersUnderThePrefixWithSecurityHeaders(t *testing.T) {
	f := newAPI(t, HandlerOpts{})
	for _, rt := range routes(0) {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			id := f.Enqueue(t, "email", `{"a":1}`)
			f.SetStatus(t, id, "failed")
			path := strings.Replace(rt.path, "/0", "/"+itoa(id), 1)
			rec := f.do(t, rt.method, testPrefix+path, strings.NewReader(rt.body))
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			h := rec.Header()
			for k, want := range map[string]string{
				"X-Content-Type-Options": "nosniff",
				"Cache-Control":          "no-store",
				"X-Frame-Options":        "DENY",
			} {
				if got := h.Get(k); got != want {
					t.Errorf("%s: %q, want %q", k, got, want)
				}
			}
			if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
				t.Errorf("policy %q allows framing", h.Get("Content-Security-Policy"))
			}
			if strings.HasSuffix(path, "/payload") {
				return
			}
			r := decodeReply(t, rec)
			if r.Error != nil || len(r.Data) == 0 || string(r.Data) == "null" {
				t.Fatalf("envelope %s", rec.Body)
			}
		})
	}
	page := f.do(t, "GET", testPrefix+"/tasks", nil)
	if page.Code != http.StatusOK || page.Header().Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(page.Header().Get("Content-Security-Policy"), "script-src 'self'") {
		t.Fatalf("page: %d %v", page.Code, page.Header())
	}
}

func TestAuthIsRequiredOnEveryRoute(t *testing.T) {
	f := newAPI(t, HandlerOpts{BasicAuth: &BasicAuth{Username: "admin", Password: "s3cret"}})
	id := f.Enqueue(t, "email", `{}`)
	f.SetStatus(t, id, "failed")
	f.pause(t, "sms")
	all := append(routes(id),
		route{"GET", "/", "", false}, route{"GET", "/tasks", "", false},
		route{"GET", "/assets/x.js", "", false}, route{"GET", "/api/nope", "", false})
	for _, rt := range all {
		for name, edit := range map[string][]func(*http.Request){
			"no credentials":  nil,
			"wrong password":  {basic("admin", "s3cre")},
			"wrong user":      {basic("Admin", "s3cret")},
			"empty":           {basic("", "")},
			"bearer instead":  {header("Authorization", "Bearer s3cret")},
			"password longer": {basic("admin", "s3cret\x00")},
		} {
			rec := f.do(t, rt.method, testPrefix+rt.path, strings.NewReader(rt.body), edit...)
			if rec.Code != http.StatusUnauthorized || !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("%s %s with %s: %d, want 401 with a challenge", rt.method, rt.path, name, rec.Code)
			}
		}
	}
	if got := f.Status(t, id); got != "failed" {
		t.Fatalf("task is %s after refused requests", got)
	}
	if got := f.paused(t); got != "sms" {
		t.Fatalf("paused types are %q after refused requests, want sms", got)
	}
	if rec := f.do(t, "GET", testPrefix+"/api/stats", nil, basic("admin", "s3cret")); rec.Code != http.StatusOK {
		t.Fatalf("right credentials: %d %s", rec.Code, rec.Body)
	}
}

func TestCrossSiteStateChangesAreRefused(t *testing.T) {
	const trusted = "https://admin.example.com"
	f := newAPI(t, HandlerOpts{AllowedOrigins: []string{trusted}})
	f.pause(t, "sms")
	attacks := map[string][]func(*http.Request){
		"fetch metadata":    {header("Sec-Fetch-Site", "cross-site")},
		"same-site sibling": {header("Sec-Fetch-Site", "same-site")},
		"origin mismatch":   {header("Origin", "https://evil.example")},
	}
	for _, rt := range routes(0) {
		if !rt.changes {
			continue
		}
		for name, edit := range attacks {
			id := f.Enqueue(t, "email", `{}`)
			f.SetStatus(t, id, "failed")
			path := strings.Replace(rt.path, "/0", "/"+itoa(id), 1)
			paused := f.paused(t)
			rec := f.do(t, rt.method, testPrefix+path, strings.NewReader(rt.body), edit...)
			wantError(t, rec, http.StatusForbidden, "forbidden")
			if got := f.Status(t, id); got != "failed" {
				t.Fatalf("%s %s (%s) changed the task to %s", rt.method, path, name, got)
			}
			if got := f.paused(t); got != paused {
				t.Fatalf("%s %s (%s) changed the paused types from %q to %q", rt.method, path, name, paused, got)
			}
		}
		id := f.Enqueue(t, "email", `{}`)
		f.SetStatus(t, id, "failed")
		path := strings.Replace(rt.path, "/0", "/"+itoa(id), 1)
		rec := f.do(t, rt.method, testPrefix+path, strings.NewReader(rt.body),
			header("Sec-Fetch-Site", "cross-site"), header("Origin", trusted))
		if rec.Code != http.StatusOK || rec.Header().Get("Access-Control-Allow-Origin") != trusted {
			t.Fatalf("%s %s from the trusted origin: %d %v", rt.method, path, rec.Code, rec.Header())
		}
		rec = f.do(t, rt.method, testPrefix+path, nil, header("Sec-Fetch-Site", "same-origin"))
		if rec.Code == http.StatusForbidden {
			t.Fatalf("same-origin %s %s refused", rt.method, path)
		}
	}
	if rec := f.do(t, "GET", testPrefix+"/api/stats", nil, header("Sec-Fetch-Site", "cross-site")); rec.Code != http.StatusOK {
		t.Fatalf("a cross-site read is refused: %d", rec.Code)
	}
}

func TestBadRequestsGetClearErrors(t *testing.T) {
	f := newAPI(t, HandlerOpts{})
	tests := []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/api/tasks?limit=0", 400, "invalid_params"},
		{"GET", "/api/tasks?limit=-1", 400, "invalid_params"},
		{"GET", "/api/tasks?offset=x", 400, "invalid_params"},
		{"GET", "/api/tasks?created_after=2024-01-01", 400, "invalid_params"},
		{"GET", "/api/tasks?created_before=now", 400, "invalid_params"},
		{"GET", "/api/tasks?id=9223372036854775808", 400, "invalid_params"},
		{"GET", "/api/tasks?status=done", 400, "invalid_params"},
		{"GET", "/api/tasks?order_by=payload", 400, "invalid_params"},
		{"GET", "/api/tasks?order=sideways", 400, "invalid_params"},
		{"GET", "/api/tasks/9223372036854775808", 400, "invalid_id"},
		{"GET", "/api/tasks/18446744073709551617/payload", 400, "invalid_id"},
		{"POST", "/api/tasks/-1/retry", 400, "invalid_id"},
		{"DELETE", "/api/tasks/abc", 400, "invalid_id"},
		{"GET", "/api/tasks/9223372036854775807", 404, "task_not_found"},
		{"POST", "/api/tasks/9223372036854775807/cancel", 404, "task_not_found"},
		{"GET", "/api/nope", 404, "not_found"},
		{"GET", "/api", 404, "not_found"},
		{"GET", "/api/tasks/1/2/3", 404, "not_found"},
		{"PUT", "/api/tasks/1", 405, "method_not_allowed"},
		{"POST", "/api/stats", 405, "method_not_allowed"},
		{"GET", "/api/tasks/1/retry", 405, "method_not_allowed"},
		{"GET", "/api/auth/me", 404, "not_found"}, // no OAuth configured
		{"POST", "/api/tasks/bulk/retry", 400, "invalid_body"},
		{"POST", "/api/task-types/a%00b/pause", 400, "invalid_params"},
		{"POST", "/api/task-types/a%FFb/resume", 400, "invalid_params"},
		{"POST", "/api/task-types/" + strings.Repeat("x", 1025) + "/pause", 400, "invalid_params"},
		{"GET", "/api/task-types/email/pause", 405, "method_not_allowed"},
		{"DELETE", "/api/task-types/email/resume", 405, "method_not_allowed"},
		{"POST", "/api/task-types/email", 404, "not_found"},
		{"POST", "/api/consumers", 405, "method_not_allowed"},
		{"POST", "/api/throughput", 405, "method_not_allowed"},
		{"DELETE", "/api/throughput", 405, "method_not_allowed"},
		{"GET", "/api/throughput/minutes", 404, "not_found"},
	}
	for _, tt := range tests {
		body := ""
		if strings.Contains(tt.path, "bulk") {
			body = `{"ids": "all"}`
		}
		rec := f.do(t, tt.method, testPrefix+tt.path, strings.NewReader(body))
		t.Run(tt.method+" "+tt.path, func(t *testing.T) { wantError(t, rec, tt.status, tt.code) })
	}
	if got := f.paused(t); got != "" {
		t.Fatalf("bad requests paused %q", got)
	}
}

func TestActionsKeepAHiddenPayloadHidden(t *testing.T) {
	f := newAPI(t, HandlerOpts{HidePayloadByDefault: true})
	for _, action := range []struct{ method, suffix string }{
		{"GET", ""}, {"POST", "/retry"}, {"POST", "/cancel"}, {"DELETE", ""},
	} {
		id := f.Enqueue(t, "card", `{"pan":"4111111111111111"}`)
		f.SetStatus(t, id, "failed")
		rec := f.do(t, action.method, testPrefix+"/api/tasks/"+itoa(id)+action.suffix, nil)
		if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "4111") || !strings.Contains(rec.Body.String(), `"payload":null`) {
			t.Errorf("%s %s: %d %s", action.method, action.suffix, rec.Code, rec.Body)
		}
	}
	id := f.Enqueue(t, "card", `{"pan":"4111111111111111"}`)
	if rec := f.do(t, "GET", testPrefix+"/api/tasks/"+itoa(id)+"/payload", nil); !strings.Contains(rec.Body.String(), "4111") {
		t.Errorf("payload endpoint: %s", rec.Body)
	}
}

func TestLeaderRoute(t *testing.T) {
	f := newAPI(t, HandlerOpts{})
	rec := f.do(t, "GET", testPrefix+"/api/cluster/leader", nil)
	if want := `{"data":{"leader_id":"","elected_at":null,"expires_at":null,"lease_ttl_seconds":0}}`; strings.TrimSpace(rec.Body.String()) != want {
		t.Fatalf("no leader: %s", rec.Body)
	}
	if _, err := f.DB.Exec(`INSERT INTO asynqpg_leader (name, leader_id, elected_at, expires_at)
		VALUES ('default', 'host-1', now(), now() + interval '30 seconds')`); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Data struct {
			LeaderID  string     `json:"leader_id"`
			ElectedAt *time.Time `json:"elected_at"`
			TTL       int64      `json:"lease_ttl_seconds"`
		} `json:"data"`
	}
	rec = f.do(t, "GET", testPrefix+"/api/cluster/leader", nil)
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Data.LeaderID != "host-1" || got.Data.ElectedAt == nil || got.Data.TTL < 25 || got.Data.TTL > 30 {
		t.Fatalf("leader %s", rec.Body)
	}
}

// The command line prints the values of package dashboard with
// json.Marshal; the API's data must be the same bytes.
func TestAPIDataIsTheMarshalledDashboardValue(t *testing.T) {
	f := newAPI(t, HandlerOpts{})
	id := f.Enqueue(t, "email", `{"html":"<b>&</b>"}`)
	f.SetStatus(t, id, "failed")
	svc, err := dashboard.New(f.Pool, dashboard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	task, _ := svc.Get(ctx, id)
	list, _ := svc.List(ctx, dashboard.ListQuery{Limit: 10, OrderBy: "id", OrderDir: "ASC"})
	f.pause(t, "idle")
	stats, _ := svc.Stats(ctx)
	consumers, _ := svc.Consumers(ctx)
	for path, value := range map[string]any{
		"/api/tasks/" + itoa(id): task,
		"/api/tasks":             list,
		"/api/stats":             stats,
		"/api/consumers":         consumers,
	} {
		want := marshal(t, value)
		got := decodeReply(t, f.do(t, "GET", testPrefix+path, nil)).Data
		if string(got) != string(want) {
			t.Errorf("%s: data %s, json.Marshal %s", path, got, want)
		}
	}

	// The throughput's minutes move with the clock: the API's answer must
	// be the service's answer just before or just after it (a minute may
	// turn in between), each counted by a service of its own.
	throughput := func() string {
		t.Helper()
		svc, err := dashboard.New(f.Pool, dashboard.Options{})
		if err != nil {
			t.Fatal(err)
		}
		value, err := svc.Throughput(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return string(marshal(t, value))
	}
	before := throughput()
	got := string(decodeReply(t, f.do(t, "GET", testPrefix+"/api/throughput", nil)).Data)
	if after := throughput(); got != before && got != after {
		t.Errorf("/api/throughput: data %s, json.Marshal %s (before) and %s (after)", got, before, after)
	}
}

// marshal is json.Marshal of v, which must not fail.
func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
