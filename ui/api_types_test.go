package ui

import "net/http"
import "net/url"
import "strings"
import "testing"

func TestPauseAndResumeRoutes(t *testing.T) {
	f := newAPI(t, HandlerOpts{})
	f.Enqueue(t, "email", `{}`)
	steps := []struct {
		action, typ, want, paused string
	}{
		{"pause", "email", `{"data":{"type":"email","paused":true}}`, "email"},
		{"pause", "email", `{"data":{"type":"email","paused":true}}`, "email"},
		{"pause", "reports/daily", `{"data":{"type":"reports/daily","paused":true}}`, "email,reports/daily"},
		{"pause", "naïve type", `{"data":{"type":"naïve type","paused":true}}`, "email,naïve type,reports/daily"},
		{"resume", "email", `{"data":{"type":"email","paused":false}}`, "naïve type,reports/daily"},
		{"resume", "reports/daily", `{"data":{"type":"reports/daily","paused":false}}`, "naïve type"},
		{"resume", "never paused", `{"data":{"type":"never paused","paused":false}}`, "naïve type"},
	}
	for _, st := range steps {
		rec := f.do(t, "POST", testPrefix+"/api/task-types/"+url.PathEscape(st.typ)+"/"+st.action, nil)
		if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != st.want {
			t.Fatalf("%s %q: %d %s, want %s", st.action, st.typ, rec.Code, rec.Body, st.want)
		}
		if got := f.paused(t); got != st.paused {
			t.Fatalf("after %s %q the paused types are %q, want %q", st.action, st.typ, got, st.paused)
		}
	}
	// The stats mark each type; a paused type without tasks is listed.
	stats := f.do(t, "GET", testPrefix+"/api/stats", nil).Body.String()
	for _, want := range []string{
		`{"type":"email","total":1,"by_status":{"cancelled":0,"completed":0,"failed":0,"pending":1,"running":0},"paused":false,"unserved":true}`,
		`{"type":"naïve type","total":0,"by_status":{"cancelled":0,"completed":0,"failed":0,"pending":0,"running":0},"paused":true,"unserved":false}`,
	} {
		if !strings.Contains(stats, want) {
			t.Errorf("stats %s lack %s", stats, want)
		}
	}
	if types := f.do(t, "GET", testPrefix+"/api/task-types", nil).Body.String(); strings.TrimSpace(types) != `{"data":["email"]}` {
		t.Errorf("task types %s, want the types with tasks as strings", types)
	}
}

func TestConsumersRouteWithNoConsumer(t *testing.T) {
	f := newAPI(t, HandlerOpts{})
	rec := f.do(t, "GET", testPrefix+"/api/consumers", nil)
	if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != `{"data":[]}` {
		t.Fatalf("consumers: %d %s, want an empty list", rec.Code, rec.Body)
	}
}
