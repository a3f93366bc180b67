package engine

import "context"
import "errors"
import "fmt"
import "time"

import "github.com/yakser/asynqpg/driver"

// SessionRow is a stored dashboard session: the SHA-256 of its token, the
// user it authenticates (JSON) and its lifetime.
type SessionRow struct {
	TokenHash []byte
	UserJSON  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// ErrSessionNotFound is returned by [GetSession] for a session that does
// not exist or has expired.
var ErrSessionNotFound = errors.New("session not found")

// SaveSession stores s, replacing a session with the same token hash.
func SaveSession(ctx context.Context, ex driver.Executor, s SessionRow) error {
	if _, err := ex.Exec(ctx, sqlSaveSession, s.TokenHash, s.UserJSON, s.CreatedAt, s.ExpiresAt); err != nil {
		return fmt.Errorf("save session: %w", schemaError(err))
	}
	return nil
}

// GetSession reads the unexpired session stored under tokenHash, or
// returns [ErrSessionNotFound].
func GetSession(ctx context.Context, ex driver.Executor, tokenHash []byte) (*SessionRow, error) {
	s := SessionRow{TokenHash: tokenHash}
	err := ex.QueryRow(ctx, sqlGetSession, tokenHash).Scan(&s.UserJSON, &s.CreatedAt, &s.ExpiresAt)
	if errors.Is(err, driver.ErrNoRows) {
		return nil, ErrSessionNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get session: %w", schemaError(err))
	}
	return &s, nil
}

// DeleteSession deletes the session stored under tokenHash, if any.
func DeleteSession(ctx context.Context, ex driver.Executor, tokenHash []byte) error {
	if _, err := ex.Exec(ctx, sqlDeleteSession, tokenHash); err != nil {
		return fmt.Errorf("delete session: %w", schemaError(err))
	}
	return nil
}

// DeleteExpiredSessions deletes expired sessions, in batches, and returns
// the number deleted.
func DeleteExpiredSessions(ctx context.Context, ex driver.Executor) (int64, error) {
	return inBatches(ctx, func() (int64, error) {
		return ex.Exec(ctx, sqlDeleteExpiredSessions, int64(bulkBatch))
	}, "delete expired sessions")
}
