package pgxv5driver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/yakser/asynqpg/driver"
)

// poolExecutor is the Executor of a pool; unlike a transaction's, it can
// open a Listener.
type poolExecutor struct {
	executor
	pool *pgxpool.Pool
}

// NewListener implements [driver.ListenerFactory]. The Listener owns a
// connection taken out of the pool (acquired, then hijacked, so the pool's
// connection hooks ran on it); Close closes it.
func (e *poolExecutor) NewListener(ctx context.Context) (driver.Listener, error) {
	c, err := e.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("pgxv5driver: acquire listener connection: %w", err)
	}
	conn := c.Hijack()
	if err := e.probe(ctx, conn); err != nil {
		_ = conn.Close(context.Background())
		return nil, err
	}
	return &listener{ListenerGuard: driver.NewListenerGuard(), conn: conn}, nil
}

// probeTimeout bounds the wait for the test notification of a new listener.
const probeTimeout = 3 * time.Second

// probe checks that a notification sent through another connection of the
// pool reaches conn: through a pooler in transaction mode LISTEN succeeds
// but nothing ever arrives.
func (e *poolExecutor) probe(ctx context.Context, conn *pgx.Conn) error {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	channel := "asynqpg_probe_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return fmt.Errorf("pgxv5driver: listen: %w", err)
	}
	if _, err := e.pool.Exec(ctx, "SELECT pg_notify($1, 'probe')", channel); err != nil {
		return fmt.Errorf("pgxv5driver: probe notification: %w", err)
	}
	wctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	if _, err := conn.WaitForNotification(wctx); err != nil {
		if ctx.Err() == nil && wctx.Err() != nil {
			return fmt.Errorf("%w: a test notification did not arrive within %v: the connection cannot LISTEN (a pooler in transaction mode?)",
				driver.ErrUnsupported, probeTimeout)
		}
		return fmt.Errorf("pgxv5driver: probe notification: %w", err)
	}
	if _, err := conn.Exec(ctx, "UNLISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return fmt.Errorf("pgxv5driver: unlisten: %w", err)
	}
	return nil
}

// listener is a [driver.Listener] on a dedicated *pgx.Conn.
type listener struct {
	*driver.ListenerGuard
	conn *pgx.Conn
}

// Listen implements [driver.Listener].
func (l *listener) Listen(ctx context.Context, channel string) error {
	if channel == "" {
		return errors.New("pgxv5driver: listen: empty channel name")
	}
	if strings.IndexByte(channel, 0) >= 0 {
		return fmt.Errorf("pgxv5driver: listen: channel name %q contains a NUL byte", channel)
	}
	ctx, end, err := l.Begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	if _, err := l.conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return fmt.Errorf("pgxv5driver: listen on %q: %w", channel, err)
	}
	return nil
}

// WaitForNotification implements [driver.Listener].
func (l *listener) WaitForNotification(ctx context.Context) (*driver.Notification, error) {
	ctx, end, err := l.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer end()
	n, err := l.conn.WaitForNotification(ctx)
	if n != nil {
		return &driver.Notification{Channel: n.Channel, Payload: n.Payload}, nil
	}
	if l.ClosedDuring(ctx) {
		return nil, driver.ErrListenerClosed
	}
	return nil, fmt.Errorf("pgxv5driver: wait for notification: %w", err)
}

// Close implements [driver.Listener]: it ends a wait in progress and
// closes the connection.
func (l *listener) Close(ctx context.Context) error {
	return l.ListenerGuard.Close(func() error {
		if err := l.conn.Close(ctx); err != nil {
			return fmt.Errorf("pgxv5driver: close listener: %w", err)
		}
		return nil
	})
}
