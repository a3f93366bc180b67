package ui

import "database/sql"
import "net/http"
import "strings"
import "testing"

import "github.com/yakser/asynqpg"

func TestConfigReportsOptions(t *testing.T) {
	tests := []struct {
		name string
		opts HandlerOpts
		want string
	}{
		{"defaults", HandlerOpts{}, `{"prefix":"/admin/queue","hide_payload_by_default":false,"version":"(devel)","auth_mode":"none"}`},
		{"basic, hidden, versioned", HandlerOpts{BasicAuth: &BasicAuth{"u", "p"}, HidePayloadByDefault: true, Version: "v1.2.3"},
			`{"prefix":"/admin/queue","hide_payload_by_default":true,"version":"v1.2.3","auth_mode":"basic"}`},
		{"oauth at the root", HandlerOpts{Prefix: "/", AuthProviders: []AuthProvider{&fakeProvider{id: "gh"}}},
			`{"prefix":"/","hide_payload_by_default":false,"version":"(devel)","auth_mode":"oauth"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newAPI(t, tt.opts)
			path := mountPrefix(tt.opts.Prefix) + "/api/config"
			if tt.opts.Prefix == "" {
				path = testPrefix + "/api/config"
			}
			rec := f.do(t, "GET", path, nil, basic("u", "p"))
			if got := string(decodeReply(t, rec).Data); got != tt.want {
				t.Fatalf("config %s, want %s", got, tt.want)
			}
		})
	}
}

func TestHealthWithoutADatabase(t *testing.T) {
	db, err := sql.Open("pgx", "postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	h, err := NewHandler(HandlerOpts{Pool: asynqpg.WrapStdDB(db, "pgx")})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{"/api/health": http.StatusServiceUnavailable, "/api/stats": http.StatusInternalServerError} {
		rec := httptestDo(h, "GET", path)
		body := rec.Body.String()
		if rec.Code != want || strings.Contains(body, "127.0.0.1") || !strings.Contains(body, `"status":"error"`) && want == http.StatusServiceUnavailable {
			t.Errorf("%s: %d %s", path, rec.Code, body)
		}
	}
}
