package ui

import "context"
import "crypto/sha256"
import "encoding/json"
import "errors"
import "fmt"
import "sync"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/engine"
import "github.com/yakser/asynqpg/internal/validate"

// PostgresSessionStore keeps sessions in the table asynqpg_ui_sessions
// (created by the migrations), so that they survive restarts and are
// shared by every replica behind a load balancer. Only the SHA-256 of a
// token is stored. Expired sessions are deleted, in small batches, by
// Save at most once a minute, and by DeleteExpired.
type PostgresSessionStore struct {
	ex driver.Executor

	mu        sync.Mutex
	lastSweep time.Time
}

// sessionSweep is how often Save deletes expired sessions.
const sessionSweep = time.Minute

// NewPostgresSessionStore returns a session store on pool (any handle
// asynqpg accepts as a Pool).
func NewPostgresSessionStore(pool asynqpg.Pool) (*PostgresSessionStore, error) {
	if validate.IsNil(pool) {
		return nil, errors.New("asynqpg/ui: session store: database pool is required")
	}
	ex, err := driver.Resolve(pool)
	if err != nil {
		return nil, fmt.Errorf("asynqpg/ui: session store: %w", err)
	}
	return &PostgresSessionStore{ex: ex}, nil
}

func tokenHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// Get returns the unexpired session of token, or ErrSessionNotFound.
func (s *PostgresSessionStore) Get(ctx context.Context, token string) (*Session, error) {
	if token == "" {
		return nil, ErrSessionNotFound
	}
	row, err := engine.GetSession(ctx, s.ex, tokenHash(token))
	if errors.Is(err, engine.ErrSessionNotFound) {
		return nil, ErrSessionNotFound
	}
	if err != nil {
		return nil, err
	}
	sess := &Session{Token: token, CreatedAt: row.CreatedAt.UTC(), ExpiresAt: row.ExpiresAt.UTC()}
	if err := json.Unmarshal([]byte(row.UserJSON), &sess.User); err != nil {
		return nil, fmt.Errorf("asynqpg/ui: session user: %w", err)
	}
	return sess, nil
}

// Save stores session, replacing one with the same token.
func (s *PostgresSessionStore) Save(ctx context.Context, session *Session) error {
	if session == nil || session.Token == "" {
		return errors.New("asynqpg/ui: save session: a session with a token is required")
	}
	user, err := json.Marshal(session.User)
	if err != nil {
		return fmt.Errorf("asynqpg/ui: save session: %w", err)
	}
	err = engine.SaveSession(ctx, s.ex, engine.SessionRow{
		TokenHash: tokenHash(session.Token),
		UserJSON:  string(user),
		CreatedAt: session.CreatedAt.UTC(),
		ExpiresAt: session.ExpiresAt.UTC(),
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	due := time.Since(s.lastSweep) >= sessionSweep
	if due {
		s.lastSweep = time.Now()
	}
	s.mu.Unlock()
	if due {
		_, _ = s.DeleteExpired(ctx) // best effort: a later Save retries
	}
	return nil
}

// Delete removes the session of token, if any.
func (s *PostgresSessionStore) Delete(ctx context.Context, token string) error {
	return engine.DeleteSession(ctx, s.ex, tokenHash(token))
}

// DeleteExpired deletes every expired session and returns how many.
func (s *PostgresSessionStore) DeleteExpired(ctx context.Context) (int64, error) {
	return engine.DeleteExpiredSessions(ctx, s.ex)
}
