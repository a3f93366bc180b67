package pgxv5driver

import "context"
import "fmt"

import "github.com/jackc/pgx/v5"
import "github.com/jackc/pgx/v5/pgxpool"

import "github.com/yakser/asynqpg/driver"

// poolExecutor is the Executor of a pool; unlike a transaction's, it can
// open a Listener.
type poolExecutor struct {
	executor
	pool *pgxpool.Pool
}

// NewListener implements [driver.ListenerFactory]. The Listener owns a
// connection taken out of the pool (acquired, then hijacked, so the pool's
// connection hooks ran on it); Close closes it. It is probed with
// [driver.ProbeListener] before it is returned.
func (e *poolExecutor) NewListener(ctx context.Context) (driver.Listener, error) {
	c, err := e.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("pgxv5driver: acquire listener connection: %w", err)
	}
	l := &listener{conn: c.Hijack()}
	l.ListenerGuard = driver.NewListenerGuard("pgxv5driver", func(ctx context.Context, stmt string) error {
		_, err := l.conn.Exec(ctx, stmt)
		return err
	})
	err = driver.ProbeListener(ctx, l, func(ctx context.Context, channel string) error {
		_, err := e.pool.Exec(ctx, "SELECT pg_notify($1, 'probe')", channel)
		return err
	})
	if err != nil {
		_ = l.Close(context.Background())
		return nil, err
	}
	return l, nil
}

// listener is a [driver.Listener] on a dedicated *pgx.Conn.
type listener struct {
	*driver.ListenerGuard
	conn *pgx.Conn
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
