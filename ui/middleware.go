package ui

import "crypto/sha256"
import "crypto/subtle"
import "net/http"
import "strings"
import "time"

import "github.com/yakser/asynqpg/internal/dashboard"

// securityHeaders sets the headers every answer carries: no content-type
// sniffing, no framing.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// basicAuth asks for username and password on every request. Both are
// compared in constant time, through their SHA-256, so that neither
// their content nor their length shows in the time taken.
func basicAuth(username, password string, next http.Handler) http.Handler {
	wantUser, wantPass := sha256.Sum256([]byte(username)), sha256.Sum256([]byte(password))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		gotUser, gotPass := sha256.Sum256([]byte(u)), sha256.Sum256([]byte(p))
		userOK := subtle.ConstantTimeCompare(gotUser[:], wantUser[:])
		passOK := subtle.ConstantTimeCompare(gotPass[:], wantPass[:])
		if !ok || userOK&passOK != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="asynqpg", charset="UTF-8"`)
			msg := "invalid credentials"
			if !ok {
				msg = "authentication required"
			}
			writeError(w, http.StatusUnauthorized, dashboard.CodeUnauthorized, msg)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// sessionCookieName is the cookie of a signed-in session.
const sessionCookieName = "asynqpg_session"

// sessionAuth lets through only requests with an unexpired session, and
// puts its user in their context.
func sessionAuth(store SessionStore, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cookie, err := r.Cookie(sessionCookieName)
		if err != nil || cookie.Value == "" {
			writeError(w, http.StatusUnauthorized, dashboard.CodeUnauthorized, "authentication required")
			return
		}
		sess, err := store.Get(r.Context(), cookie.Value)
		if err != nil {
			writeError(w, http.StatusUnauthorized, dashboard.CodeUnauthorized, "invalid or expired session")
			return
		}
		if !time.Now().Before(sess.ExpiresAt) {
			writeError(w, http.StatusUnauthorized, dashboard.CodeUnauthorized, "session expired")
			return
		}
		user := sess.User
		next.ServeHTTP(w, r.WithContext(withUser(r.Context(), &user)))
	})
}

// crossOrigin refuses state-changing requests a browser sends from
// another site (http.CrossOriginProtection), except from the trusted
// origins.
func crossOrigin(trusted []string, next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	for _, o := range trusted {
		_ = cop.AddTrustedOrigin(strings.TrimRight(o, "/")) // checked by validate
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusForbidden, dashboard.CodeForbidden, "cross-origin request refused")
	}))
	return cop.Handler(next)
}

// cors answers the trusted origins' CORS requests, as the original does.
func cors(allowed []string, next http.Handler) http.Handler {
	set := make(map[string]struct{}, len(allowed))
	for _, o := range allowed {
		set[strings.TrimRight(o, "/")] = struct{}{}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if _, ok := set[origin]; ok && origin != "" {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization")
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Access-Control-Max-Age", "86400")
			h.Add("Vary", "Origin")
			if r.Method == http.MethodOptions {
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
