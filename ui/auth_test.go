package ui

import "context"
import "errors"
import "net/http"
import "net/url"
import "strings"
import "testing"
import "time"

// fakeProvider is an OAuth provider that signs in whoever comes back
// with code=ok.
type fakeProvider struct {
	id       string
	callback string
	state    string
}

func (p *fakeProvider) ID() string          { return p.id }
func (p *fakeProvider) DisplayName() string { return "Fake " + p.id }
func (p *fakeProvider) IconURL() string     { return "" }
func (p *fakeProvider) BeginAuth(w http.ResponseWriter, r *http.Request, callbackURL, state string) {
	p.callback, p.state = callbackURL, state
	http.Redirect(w, r, "https://idp.example/authorize?state="+url.QueryEscape(state), http.StatusFound)
}

func (p *fakeProvider) CompleteAuth(_ http.ResponseWriter, r *http.Request) (*User, error) {
	if r.URL.Query().Get("code") != "ok" {
		return nil, errors.New("access denied")
	}
	return &User{ID: "42", Provider: p.id, Name: "Ada", Email: "ada@example.com"}, nil
}

func cookieNamed(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestOAuthSignInWithCookiesUnderThePrefix(t *testing.T) {
	for _, tt := range []struct {
		name   string
		store  func(f *apiFixture) SessionStore
		secure bool
	}{
		{"memory store", func(*apiFixture) SessionStore { return nil }, false},
		{"postgres store, secure cookies", func(f *apiFixture) SessionStore {
			s, err := NewPostgresSessionStore(f.Pool)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := &fakeProvider{id: "fake"}
			base := newAPI(t, HandlerOpts{})
			f := newAPI(t, HandlerOpts{AuthProviders: []AuthProvider{p}, SessionStore: tt.store(base), SecureCookies: tt.secure, SessionMaxAge: time.Hour})
			// Public routes answer; the rest want a session.
			for _, path := range []string{"/api/health", "/api/config", "/api/auth/providers", "/"} {
				if rec := f.do(t, "GET", testPrefix+path, nil); rec.Code != http.StatusOK {
					t.Fatalf("public %s: %d", path, rec.Code)
				}
			}
			for _, rt := range append(routes(1), route{"GET", "/api/auth/me", "", false}, route{"POST", "/api/auth/logout", "", true}) {
				if rt.path == "/api/health" || rt.path == "/api/config" {
					continue
				}
				for name, edit := range map[string][]func(*http.Request){
					"none":   nil,
					"forged": {func(r *http.Request) { r.AddCookie(&http.Cookie{Name: sessionCookieName, Value: "forged"}) }},
				} {
					rec := f.do(t, rt.method, testPrefix+rt.path, strings.NewReader(rt.body), edit...)
					if rec.Code != http.StatusUnauthorized {
						t.Errorf("%s %s with %s session: %d, want 401", rt.method, rt.path, name, rec.Code)
					}
				}
			}
			providers := f.do(t, "GET", testPrefix+"/api/auth/providers", nil).Body.String()
			if !strings.Contains(providers, `"login_url":"`+testPrefix+`/api/auth/login/fake"`) {
				t.Fatalf("providers %s", providers)
			}

			login := f.do(t, "GET", testPrefix+"/api/auth/login/fake", nil).Result()
			state := cookieNamed(login, oauthStateCookieName)
			if login.StatusCode != http.StatusFound || state == nil || state.Value != p.state ||
				state.Path != testPrefix+"/api/auth/" || !state.HttpOnly || state.SameSite != http.SameSiteLaxMode ||
				state.Secure != tt.secure || state.MaxAge != oauthStateMaxAge {
				t.Fatalf("login: %d state cookie %+v", login.StatusCode, state)
			}
			if p.callback != "http://example.com"+testPrefix+"/api/auth/callback/fake" {
				t.Fatalf("callback URL %s", p.callback)
			}
			withState := func(v string) func(*http.Request) {
				return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: oauthStateCookieName, Value: v}) }
			}
			bad := f.do(t, "GET", testPrefix+"/api/auth/callback/fake?code=ok&state=other", nil, withState(state.Value)).Result()
			if loc := bad.Header.Get("Location"); bad.StatusCode != http.StatusFound || loc != testPrefix+"/login?error=invalid_state" || cookieNamed(bad, sessionCookieName) != nil {
				t.Fatalf("wrong state: %d %s", bad.StatusCode, loc)
			}
			denied := f.do(t, "GET", testPrefix+"/api/auth/callback/fake?code=no&state="+url.QueryEscape(state.Value), nil, withState(state.Value)).Result()
			if loc := denied.Header.Get("Location"); !strings.HasPrefix(loc, testPrefix+"/login?error=provider_error") {
				t.Fatalf("provider error: %s", loc)
			}

			ok := f.do(t, "GET", testPrefix+"/api/auth/callback/fake?code=ok&state="+url.QueryEscape(state.Value), nil, withState(state.Value)).Result()
			sess := cookieNamed(ok, sessionCookieName)
			if ok.StatusCode != http.StatusFound || ok.Header.Get("Location") != testPrefix+"/dashboard" || sess == nil ||
				sess.Path != testPrefix || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Secure != tt.secure || sess.MaxAge != 3600 {
				t.Fatalf("callback: %d %s session cookie %+v", ok.StatusCode, ok.Header.Get("Location"), sess)
			}
			if c := cookieNamed(ok, oauthStateCookieName); c == nil || c.MaxAge >= 0 {
				t.Fatalf("state cookie not cleared: %+v", c)
			}
			withSession := func(r *http.Request) { r.AddCookie(&http.Cookie{Name: sessionCookieName, Value: sess.Value}) }
			me := f.do(t, "GET", testPrefix+"/api/auth/me", nil, withSession)
			if me.Code != http.StatusOK || !strings.Contains(me.Body.String(), `"email":"ada@example.com"`) {
				t.Fatalf("me: %d %s", me.Code, me.Body)
			}
			if rec := f.do(t, "GET", testPrefix+"/api/stats", nil, withSession); rec.Code != http.StatusOK {
				t.Fatalf("stats with a session: %d", rec.Code)
			}
			out := f.do(t, "POST", testPrefix+"/api/auth/logout", nil, withSession).Result()
			if c := cookieNamed(out, sessionCookieName); out.StatusCode != http.StatusOK || c == nil || c.MaxAge >= 0 || c.Path != testPrefix {
				t.Fatalf("logout: %d %+v", out.StatusCode, c)
			}
			if rec := f.do(t, "GET", testPrefix+"/api/stats", nil, withSession); rec.Code != http.StatusUnauthorized {
				t.Fatalf("stats after logout: %d", rec.Code)
			}
		})
	}
}

func TestSessionStores(t *testing.T) {
	f := newAPI(t, HandlerOpts{})
	pg, err := NewPostgresSessionStore(f.Pool)
	if err != nil {
		t.Fatal(err)
	}
	mem := NewMemorySessionStore()
	t.Cleanup(mem.Close)
	ctx := context.Background()
	for name, store := range map[string]SessionStore{"memory": mem, "postgres": pg} {
		t.Run(name, func(t *testing.T) {
			now := time.Now().UTC().Truncate(time.Microsecond)
			live := &Session{Token: name + "-live", User: User{ID: "1", Name: "<b>Ada</b>"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
			old := &Session{Token: name + "-old", User: User{ID: "2"}, CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Hour)}
			for _, s := range []*Session{live, old} {
				if err := store.Save(ctx, s); err != nil {
					t.Fatal(err)
				}
			}
			got, err := store.Get(ctx, live.Token)
			if err != nil || got.User != live.User || !got.ExpiresAt.Equal(live.ExpiresAt) || got.Token != live.Token {
				t.Fatalf("Get = %+v, %v", got, err)
			}
			for _, token := range []string{old.Token, "unknown", ""} {
				if _, err := store.Get(ctx, token); !errors.Is(err, ErrSessionNotFound) {
					t.Fatalf("Get(%q) = %v, want ErrSessionNotFound", token, err)
				}
			}
			if err := store.Delete(ctx, live.Token); err != nil {
				t.Fatal(err)
			}
			if _, err := store.Get(ctx, live.Token); !errors.Is(err, ErrSessionNotFound) {
				t.Fatalf("Get after Delete = %v", err)
			}
			if err := store.Save(ctx, &Session{}); err == nil {
				t.Fatal("saved a session without a token")
			}
		})
	}
	// A second store on the same database sees the sessions (a restart,
	// another replica), the table holds no token, and expired rows go.
	now := time.Now().UTC()
	if err := pg.Save(ctx, &Session{Token: "shared", User: User{ID: "3"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	other, _ := NewPostgresSessionStore(f.Pool)
	if s, err := other.Get(ctx, "shared"); err != nil || s.User.ID != "3" {
		t.Fatalf("other replica: %+v, %v", s, err)
	}
	var tokens int
	if err := f.DB.QueryRow(`SELECT count(*) FROM asynqpg_ui_sessions WHERE position('shared' in encode(token_hash, 'escape')) > 0`).Scan(&tokens); err != nil || tokens != 0 {
		t.Fatalf("token stored in clear (%d, %v)", tokens, err)
	}
	n, err := other.DeleteExpired(ctx)
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpired = %d, %v; want the one expired session", n, err)
	}
	if _, err := NewPostgresSessionStore(nil); err == nil {
		t.Fatal("store without a pool")
	}
}

func TestMemorySessionStoreSweeps(t *testing.T) {
	s := NewMemorySessionStore()
	s.Close()
	s.Close() // twice is fine
	now := time.Now()
	_ = s.Save(context.Background(), &Session{Token: "a", ExpiresAt: now.Add(-time.Second)})
	_ = s.Save(context.Background(), &Session{Token: "b", ExpiresAt: now.Add(time.Hour)})
	s.removeExpired(now)
	if len(s.sessions) != 1 {
		t.Fatalf("%d sessions after the sweep, want 1", len(s.sessions))
	}
}
