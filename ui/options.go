package ui

import "fmt"
import "log/slog"
import "net/http"
import "strings"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/validate"

// defaultSessionMaxAge is how long a session lasts unless told otherwise.
const defaultSessionMaxAge = 24 * time.Hour

// HandlerOpts configures the dashboard's handler.
type HandlerOpts struct {
	// Pool is the database of the tasks (required).
	Pool asynqpg.Pool

	// Prefix is the path the handler is mounted at (e.g. "/asynqpg").
	// Defaults to "/".
	Prefix string

	// Logger receives the handler's errors. If nil, slog.Default() is
	// used.
	Logger *slog.Logger

	// BasicAuth, when set, asks for these credentials on every request.
	// Mutually exclusive with AuthProviders.
	BasicAuth *BasicAuth

	// AuthProviders, when set, enable sign-in through OAuth/SSO
	// providers: the API needs a session, which the login page starts.
	// Mutually exclusive with BasicAuth.
	AuthProviders []AuthProvider

	// SessionStore keeps the sessions when AuthProviders is set. If nil,
	// an in-memory store is used; [NewPostgresSessionStore] keeps them in
	// the database, shared by every replica and kept across restarts.
	SessionStore SessionStore

	// SessionMaxAge is how long a session lasts. Defaults to 24 hours.
	SessionMaxAge time.Duration

	// SecureCookies sets the Secure flag on the session and OAuth state
	// cookies. Set it when the dashboard is served over HTTPS.
	SecureCookies bool

	// HidePayloadByDefault leaves task payloads out of every answer but
	// the payload endpoint's, which the page calls when asked to reveal
	// one.
	HidePayloadByDefault bool

	// AllowedOrigins are the other origins (such as
	// "https://admin.example.com") trusted to call the API from a
	// browser: they get CORS headers and pass the cross-origin check of
	// state-changing requests. If empty, only same-origin requests may
	// change anything.
	AllowedOrigins []string

	// Version is shown by /api/config and the page. When empty, it is the
	// version of the module recorded in the binary's build info, or
	// "(devel)".
	Version string
}

// BasicAuth holds credentials for HTTP Basic Authentication.
type BasicAuth struct {
	Username string
	Password string
}

// errOpts prefixes every error of NewHandler's options.
const errOpts = "asynqpg/ui"

// validate checks the options, naming the one that is wrong.
func (o *HandlerOpts) validate() error {
	if validate.IsNil(o.Pool) {
		return fmt.Errorf("%s: pool is required", errOpts)
	}
	if o.BasicAuth != nil && len(o.AuthProviders) > 0 {
		return fmt.Errorf("%s: basic auth and OAuth providers are mutually exclusive", errOpts)
	}
	if o.BasicAuth != nil {
		if o.BasicAuth.Username == "" {
			return fmt.Errorf("%s: basic auth username is required", errOpts)
		}
		if o.BasicAuth.Password == "" {
			return fmt.Errorf("%s: basic auth password is required", errOpts)
		}
		if strings.Contains(o.BasicAuth.Username, ":") {
			return fmt.Errorf("%s: basic auth username %q contains a colon, which Basic authentication cannot carry", errOpts, o.BasicAuth.Username)
		}
	}
	seen := make(map[string]struct{}, len(o.AuthProviders))
	for i, p := range o.AuthProviders {
		if validate.IsNil(p) {
			return fmt.Errorf("%s: AuthProviders[%d] is nil", errOpts, i)
		}
		id := p.ID()
		if id == "" || strings.ContainsAny(id, "/?#%") {
			return fmt.Errorf("%s: auth provider ID %q must be non-empty and free of '/', '?', '#' and '%%'", errOpts, id)
		}
		if _, ok := seen[id]; ok {
			return fmt.Errorf("%s: duplicate auth provider ID: %s", errOpts, id)
		}
		seen[id] = struct{}{}
	}
	if o.SessionMaxAge < 0 {
		return fmt.Errorf("%s: SessionMaxAge %v is negative", errOpts, o.SessionMaxAge)
	}
	if strings.ContainsAny(o.Prefix, "?#%\\ ") || strings.Contains(o.Prefix, "..") || strings.Contains(o.Prefix, "//") {
		return fmt.Errorf("%s: prefix %q must be a plain path such as \"/asynqpg\"", errOpts, o.Prefix)
	}
	if !strings.HasPrefix(o.Prefix, "/") {
		return fmt.Errorf("%s: prefix %q must start with '/'", errOpts, o.Prefix)
	}
	cop := http.NewCrossOriginProtection()
	for _, origin := range o.AllowedOrigins {
		if err := cop.AddTrustedOrigin(strings.TrimRight(origin, "/")); err != nil {
			return fmt.Errorf("%s: AllowedOrigins: %w", errOpts, err)
		}
	}
	return nil
}

// setDefaults fills the options left empty.
func (o *HandlerOpts) setDefaults() {
	if o.Prefix == "" {
		o.Prefix = "/"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Version == "" {
		o.Version = detectVersion()
	}
	if len(o.AuthProviders) > 0 {
		if o.SessionStore == nil {
			o.SessionStore = NewMemorySessionStore()
		}
		if o.SessionMaxAge == 0 {
			o.SessionMaxAge = defaultSessionMaxAge
		}
	}
}

// authMode names the authentication for /api/config.
func (o *HandlerOpts) authMode() string {
	switch {
	case len(o.AuthProviders) > 0:
		return "oauth"
	case o.BasicAuth != nil:
		return "basic"
	}
	return "none"
}
