package ui

import "crypto/subtle"
import "net/http"
import "net/url"
import "time"

import "github.com/yakser/asynqpg/internal/dashboard"

const (
	// oauthStateCookieName carries the state of a sign-in under way.
	oauthStateCookieName = "asynqpg_oauth_state"
	// oauthStateMaxAge is how long a sign-in may take, in seconds.
	oauthStateMaxAge = 600
)

type providerInfo struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	IconURL  string `json:"icon_url"`
	LoginURL string `json:"login_url"`
}

func (h *handler) handleProviders(w http.ResponseWriter, _ *http.Request) {
	out := make([]providerInfo, 0, len(h.opts.AuthProviders))
	for _, p := range h.opts.AuthProviders {
		out = append(out, providerInfo{
			ID:       p.ID(),
			Name:     p.DisplayName(),
			IconURL:  p.IconURL(),
			LoginURL: h.url("/api/auth/login/" + url.PathEscape(p.ID())),
		})
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *handler) handleMe(w http.ResponseWriter, r *http.Request) {
	user := UserFromContext(r.Context())
	if user == nil {
		writeError(w, http.StatusUnauthorized, dashboard.CodeUnauthorized, "not authenticated")
		return
	}
	writeJSON(w, http.StatusOK, user)
}

func (h *handler) provider(w http.ResponseWriter, r *http.Request) AuthProvider {
	id := r.PathValue("provider")
	for _, p := range h.opts.AuthProviders {
		if p.ID() == id {
			return p
		}
	}
	writeError(w, http.StatusNotFound, dashboard.CodeNotFound, "unknown auth provider: "+id)
	return nil
}

// cookiePath is the Path of the session cookie: the mount prefix.
func (h *handler) cookiePath() string {
	if h.prefix == "" {
		return "/"
	}
	return h.prefix
}

// stateCookie is the OAuth state cookie, scoped to the prefix's auth
// routes; maxAge -1 deletes it.
func (h *handler) stateCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: oauthStateCookieName, Value: value, Path: h.url("/api/auth/"), MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.opts.SecureCookies,
	}
}

func (h *handler) sessionCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: sessionCookieName, Value: value, Path: h.cookiePath(), MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.opts.SecureCookies,
	}
}

func (h *handler) handleLogin(w http.ResponseWriter, r *http.Request) {
	p := h.provider(w, r)
	if p == nil {
		return
	}
	state, err := randomToken()
	if err != nil {
		h.fail(w, r, err, "initiate login")
		return
	}
	http.SetCookie(w, h.stateCookie(state, oauthStateMaxAge))
	p.BeginAuth(w, r, h.callbackURL(r, p.ID()), state)
}

// callbackURL is the absolute address of the provider's callback.
func (h *handler) callbackURL(r *http.Request, id string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if fwd := r.Header.Get("X-Forwarded-Proto"); fwd == "https" || fwd == "http" {
		scheme = fwd
	}
	return scheme + "://" + r.Host + h.url("/api/auth/callback/"+url.PathEscape(id))
}

func (h *handler) handleCallback(w http.ResponseWriter, r *http.Request) {
	p := h.provider(w, r)
	if p == nil {
		return
	}
	cookie, err := r.Cookie(oauthStateCookieName)
	state := r.URL.Query().Get("state")
	if err != nil || cookie.Value == "" || subtle.ConstantTimeCompare([]byte(cookie.Value), []byte(state)) != 1 {
		h.toLogin(w, r, "invalid_state", "")
		return
	}
	http.SetCookie(w, h.stateCookie("", -1))
	user, err := p.CompleteAuth(w, r)
	if err != nil || user == nil {
		h.logger.ErrorContext(r.Context(), "asynqpg/ui: sign-in with provider", "provider", p.ID(), "error", err)
		msg := "the provider returned no user"
		if err != nil {
			msg = err.Error()
		}
		h.toLogin(w, r, "provider_error", msg)
		return
	}
	token, err := randomToken()
	if err != nil {
		h.fail(w, r, err, "create session")
		return
	}
	now := time.Now().UTC()
	sess := &Session{Token: token, User: *user, CreatedAt: now, ExpiresAt: now.Add(h.opts.SessionMaxAge)}
	if err := h.opts.SessionStore.Save(r.Context(), sess); err != nil {
		h.fail(w, r, err, "create session")
		return
	}
	http.SetCookie(w, h.sessionCookie(token, int(h.opts.SessionMaxAge.Seconds())))
	http.Redirect(w, r, h.url("/dashboard"), http.StatusFound)
}

func (h *handler) toLogin(w http.ResponseWriter, r *http.Request, code, message string) {
	q := url.Values{"error": {code}}
	if message != "" {
		q.Set("message", message)
	}
	http.Redirect(w, r, h.url("/login")+"?"+q.Encode(), http.StatusFound)
}

func (h *handler) handleLogout(w http.ResponseWriter, r *http.Request) {
	if cookie, err := r.Cookie(sessionCookieName); err == nil && cookie.Value != "" {
		if err := h.opts.SessionStore.Delete(r.Context(), cookie.Value); err != nil {
			h.logger.ErrorContext(r.Context(), "asynqpg/ui: delete session", "error", err)
		}
	}
	http.SetCookie(w, h.sessionCookie("", -1))
	writeJSON(w, http.StatusOK, map[string]string{"status": "logged_out"})
}
