// Package ui serves the asynqpg dashboard: a single-page app and the JSON
// API behind it, mounted in any HTTP server under any prefix.
//
//	h, err := ui.NewHandler(ui.HandlerOpts{Pool: db, Prefix: "/asynqpg"})
//	if err != nil { ... }
//	mux.Handle("/asynqpg/", h)
package ui

import "fmt"
import "log/slog"
import "net/http"
import "path"
import "strings"

import "github.com/yakser/asynqpg/internal/dashboard"

// handler serves the API; the page is served by assets.
type handler struct {
	opts   HandlerOpts
	prefix string // "" or "/a/b"
	logger *slog.Logger
	svc    *dashboard.Service
	assets http.Handler
	// api routes the API without its catch-all, to tell an unknown path
	// from a known one asked with the wrong method.
	api *http.ServeMux
}

// NewHandler returns the dashboard's handler: the page and its API. Mount
// it at opts.Prefix, e.g. mux.Handle("/asynqpg/", h) for "/asynqpg"; it
// takes request paths with the prefix (it strips it) or without it.
//
// Options are checked first; an error names the one that is wrong.
func NewHandler(opts HandlerOpts) (http.Handler, error) {
	if opts.Prefix == "" {
		opts.Prefix = "/"
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	opts.setDefaults() // after validate: it may start a session store
	svc, err := dashboard.New(opts.Pool, dashboard.Options{HidePayload: opts.HidePayloadByDefault})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errOpts, err)
	}
	h := &handler{
		opts:   opts,
		prefix: mountPrefix(opts.Prefix),
		logger: opts.Logger,
		svc:    svc,
		assets: newAssetHandler(opts.Prefix),
	}

	var root http.Handler = h.routes()
	if opts.BasicAuth != nil {
		// Basic auth covers the page too, so the browser asks at once.
		root = basicAuth(opts.BasicAuth.Username, opts.BasicAuth.Password, root)
	}
	root = crossOrigin(opts.AllowedOrigins, root)
	if len(opts.AllowedOrigins) > 0 {
		root = cors(opts.AllowedOrigins, root)
	}
	root = h.stripPrefix(root)
	return securityHeaders(root), nil
}

func (h *handler) routes() http.Handler {
	public := map[string]http.HandlerFunc{
		"GET /api/health": h.handleHealth,
		"GET /api/config": h.handleConfig,
	}
	protected := map[string]http.HandlerFunc{
		"GET /api/stats":                     h.handleStats,
		"GET /api/task-types":                h.handleTaskTypes,
		"GET /api/throughput":                h.handleThroughput,
		"POST /api/task-types/{type}/pause":  h.handlePauseType,
		"POST /api/task-types/{type}/resume": h.handleResumeType,
		"GET /api/consumers":                 h.handleConsumers,
		"GET /api/tasks":                     h.handleListTasks,
		"GET /api/tasks/{id}":                h.handleGetTask,
		"GET /api/tasks/{id}/payload":        h.handleGetPayload,
		"POST /api/tasks/{id}/retry":         h.handleRetry,
		"POST /api/tasks/{id}/cancel":        h.handleCancel,
		"DELETE /api/tasks/{id}":             h.handleDelete,
		"POST /api/tasks/bulk/retry":         h.handleBulkRetry,
		"POST /api/tasks/bulk/delete":        h.handleBulkDelete,
		"GET /api/cluster/leader":            h.handleLeader,
	}
	if h.oauth() {
		public["GET /api/auth/providers"] = h.handleProviders
		public["GET /api/auth/login/{provider}"] = h.handleLogin
		public["GET /api/auth/callback/{provider}"] = h.handleCallback
		protected["GET /api/auth/me"] = h.handleMe
		protected["POST /api/auth/logout"] = h.handleLogout
	}

	mux := http.NewServeMux()
	api := http.NewServeMux()
	h.api = http.NewServeMux()
	for pattern, f := range public {
		mux.HandleFunc(pattern, f)
		h.api.HandleFunc(pattern, f)
	}
	for pattern, f := range protected {
		api.HandleFunc(pattern, f)
		h.api.HandleFunc(pattern, f)
	}
	api.HandleFunc("/api/", h.handleUnknown)
	var guarded http.Handler = api
	if h.oauth() {
		guarded = sessionAuth(h.opts.SessionStore, api)
	}
	mux.Handle("/api/", guarded)
	mux.HandleFunc("/api", h.handleUnknown)
	mux.Handle("/", h.assets)
	return mux
}

func (h *handler) oauth() bool { return len(h.opts.AuthProviders) > 0 }

// stripPrefix removes the mount prefix from the request path (escaped
// and not), and refuses paths that are not clean: ".." or "." segments,
// doubled slashes, or slashes encoded inside the prefix.
func (h *handler) stripPrefix(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, raw := r.URL.Path, r.URL.RawPath
		if p == "" {
			p = "/"
		}
		if !isClean(p) {
			writeError(w, http.StatusBadRequest, dashboard.CodeInvalidParams, "request path is not clean")
			return
		}
		if h.prefix != "" {
			escaped := r.URL.EscapedPath()
			if !hasPathPrefix(p, h.prefix) {
				next.ServeHTTP(w, r) // mounted behind a StripPrefix of the user's
				return
			}
			if !hasPathPrefix(escaped, h.prefix) {
				writeError(w, http.StatusNotFound, dashboard.CodeNotFound, "not found")
				return
			}
			p = strings.TrimPrefix(p, h.prefix)
			if raw != "" {
				raw = strings.TrimPrefix(escaped, h.prefix)
			}
			if p == "" {
				p = "/"
			}
		}
		r2 := new(http.Request)
		*r2 = *r
		u := *r.URL
		u.Path, u.RawPath = p, raw
		r2.URL = &u
		next.ServeHTTP(w, r2)
	})
}

func hasPathPrefix(p, prefix string) bool {
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}

// isClean tells whether p has no "." or ".." segments and no empty
// segment but a trailing slash.
func isClean(p string) bool {
	if !strings.HasPrefix(p, "/") {
		return false
	}
	c := path.Clean(p)
	return c == p || c+"/" == p
}

// url returns the address of an app path under the prefix.
func (h *handler) url(p string) string { return h.prefix + p }

// handleUnknown answers a request no API route takes: 405 with the
// methods the path takes, or 404.
func (h *handler) handleUnknown(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := h.api.Handler(probe); pattern != "" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, http.StatusMethodNotAllowed, dashboard.CodeMethodNotAllowed, r.Method+" is not allowed on "+h.url(r.URL.Path))
		return
	}
	writeError(w, http.StatusNotFound, dashboard.CodeNotFound, "no API route "+r.Method+" "+h.url(r.URL.Path))
}

func (h *handler) handleHealth(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.Ping(r.Context()); err != nil {
		h.logger.ErrorContext(r.Context(), "asynqpg/ui: health check", "error", err)
		writeJSON(w, http.StatusServiceUnavailable, dashboard.Health{Status: "error", Message: "database unreachable"})
		return
	}
	writeJSON(w, http.StatusOK, dashboard.Health{Status: "ok"})
}

func (h *handler) handleConfig(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, dashboard.Config{
		Prefix:               h.opts.Prefix,
		HidePayloadByDefault: h.opts.HidePayloadByDefault,
		Version:              h.opts.Version,
		AuthMode:             h.opts.authMode(),
	})
}

func (h *handler) handleLeader(w http.ResponseWriter, r *http.Request) {
	serveRead(h, w, r, "get leader", h.svc.Leader)
}
