package ui

import "context"
import "crypto/rand"
import "encoding/base64"
import "errors"
import "fmt"
import "net/http"
import "sync"
import "time"

import "github.com/yakser/asynqpg/ui/uiauth"

// User is a user signed in through an OAuth/SSO provider.
type User = uiauth.User

// Session is a signed-in user's session.
type Session = uiauth.Session

// AuthProvider signs users in through one OAuth/SSO identity provider.
type AuthProvider interface {
	// ID identifies the provider in URLs (e.g. "github").
	ID() string
	// DisplayName is the text of the provider's login button.
	DisplayName() string
	// IconURL is the URL of the provider's icon; "" for none.
	IconURL() string
	// BeginAuth sends the user to the provider's authorization page.
	// callbackURL is where the provider must send the user back; state is
	// the value the provider must return with it.
	BeginAuth(w http.ResponseWriter, r *http.Request, callbackURL string, state string)
	// CompleteAuth handles the provider's callback and returns the user it
	// signed in.
	CompleteAuth(w http.ResponseWriter, r *http.Request) (*User, error)
}

// SessionStore keeps sessions. Get returns [ErrSessionNotFound] for a
// token it does not know or whose session expired.
type SessionStore interface {
	Get(ctx context.Context, token string) (*Session, error)
	Save(ctx context.Context, session *Session) error
	Delete(ctx context.Context, token string) error
}

// ErrSessionNotFound is returned when a session token is not found in the store.
var ErrSessionNotFound = uiauth.ErrSessionNotFound

type contextKey int

const ctxKeyUser contextKey = iota

// UserFromContext returns the signed-in user of a request handled by the
// dashboard, or nil.
func UserFromContext(ctx context.Context) *User {
	u, _ := ctx.Value(ctxKeyUser).(*User)
	return u
}

func withUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, ctxKeyUser, u)
}

// MemorySessionStore keeps sessions in memory: they are lost on restart
// and not shared between processes. Expired sessions are removed by a
// background goroutine, which Close stops.
type MemorySessionStore struct {
	mu       sync.Mutex
	sessions map[string]Session
	stop     chan struct{}
	done     chan struct{}
	once     sync.Once
}

// memorySweep is how often a MemorySessionStore removes expired sessions.
const memorySweep = time.Minute

// NewMemorySessionStore returns an empty in-memory session store.
func NewMemorySessionStore() *MemorySessionStore {
	s := &MemorySessionStore{sessions: map[string]Session{}, stop: make(chan struct{}), done: make(chan struct{})}
	go s.sweep()
	return s
}

func (s *MemorySessionStore) sweep() {
	defer close(s.done)
	tick := time.NewTicker(memorySweep)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case now := <-tick.C:
			s.removeExpired(now)
		}
	}
}

func (s *MemorySessionStore) removeExpired(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for token, sess := range s.sessions {
		if !now.Before(sess.ExpiresAt) {
			delete(s.sessions, token)
		}
	}
}

// Get returns the unexpired session of token, or ErrSessionNotFound.
func (s *MemorySessionStore) Get(_ context.Context, token string) (*Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[token]
	if !ok {
		return nil, ErrSessionNotFound
	}
	if !time.Now().Before(sess.ExpiresAt) {
		delete(s.sessions, token)
		return nil, ErrSessionNotFound
	}
	return &sess, nil
}

// Save stores a copy of session under its Token.
func (s *MemorySessionStore) Save(_ context.Context, session *Session) error {
	if session == nil || session.Token == "" {
		return errors.New("asynqpg/ui: save session: a session with a token is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions[session.Token] = *session
	return nil
}

// Delete removes the session of token, if any.
func (s *MemorySessionStore) Delete(_ context.Context, token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, token)
	return nil
}

// Close stops the background removal of expired sessions. It may be
// called more than once.
func (s *MemorySessionStore) Close() {
	s.once.Do(func() { close(s.stop) })
	<-s.done
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
