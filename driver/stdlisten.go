package driver

import "context"
import "database/sql"
import sqldriver "database/sql/driver"
import "errors"
import "fmt"
import "strings"
import "sync"
import "time"

import "github.com/jackc/pgx/v5/stdlib"

// stdConnOpener is a database/sql pool that hands out dedicated
// connections: *sql.DB, and *sqlx.DB through it.
type stdConnOpener interface {
	Conn(ctx context.Context) (*sql.Conn, error)
}

// pqPollInterval is how often a lib/pq listener runs a statement to read
// the notifications that arrived on its connection.
const pqPollInterval = 100 * time.Millisecond

// pqPollTimeout bounds one poll statement; a connection that cannot answer
// "SELECT 1" in that time is reported broken.
const pqPollTimeout = 30 * time.Second

// NewListener implements [ListenerFactory]. It opens a dedicated connection
// from the pool behind the Executor: over pgx's stdlib driver it uses pgx's
// own LISTEN support; over lib/pq it installs a notification handler and
// reads pending notifications by running a cheap statement every 100 ms
// while waiting. It returns [ErrUnsupported] inside a transaction, for a
// handle that cannot hand out a dedicated connection, and for any other
// database/sql driver.
func (e *StdExecutor) NewListener(ctx context.Context) (Listener, error) {
	opener, ok := e.q.(stdConnOpener)
	if !ok || e.inTx {
		return nil, fmt.Errorf("%w: LISTEN needs a connection pool, not %T", ErrUnsupported, e.q)
	}
	conn, err := opener.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("driver: open listener connection: %w", err)
	}
	l := &stdListener{conn: conn}
	l.ListenerGuard = NewListenerGuard("driver", l.exec)
	err = conn.Raw(func(dc any) error {
		switch c := dc.(type) {
		case *stdlib.Conn:
			l.kind = listenPgx
		case sqldriver.Conn:
			if !isPQConn(c) {
				return fmt.Errorf("%w: LISTEN over database/sql driver connection %T", ErrUnsupported, dc)
			}
			l.kind = listenPQ
			return setPQNotificationHandler(c, l.enqueue)
		default:
			return fmt.Errorf("%w: LISTEN over database/sql driver connection %T", ErrUnsupported, dc)
		}
		return nil
	})
	if err != nil {
		l.cancelClosing()
		_ = conn.Close()
		return nil, err
	}
	err = ProbeListener(ctx, l, func(ctx context.Context, channel string) error {
		_, err := e.q.ExecContext(ctx, `SELECT pg_notify($1, 'probe')`, channel)
		return err
	})
	if err != nil {
		_ = l.Close(context.Background())
		return nil, err
	}
	return l, nil
}

// listenKind says which database/sql driver a stdListener talks to.
type listenKind int

const (
	listenPgx listenKind = iota + 1
	listenPQ
)

// stdListener is a [Listener] on a dedicated database/sql connection.
type stdListener struct {
	*ListenerGuard
	conn *sql.Conn
	kind listenKind

	// mu guards queue, the notifications lib/pq handed over.
	mu    sync.Mutex
	queue []*Notification
}

// enqueue receives a lib/pq notification; it runs while a statement on the
// connection reads the server's messages.
func (l *stdListener) enqueue(channel, payload string) {
	l.mu.Lock()
	l.queue = append(l.queue, &Notification{Channel: channel, Payload: payload})
	l.mu.Unlock()
}

// dequeue returns the oldest queued lib/pq notification, or nil.
func (l *stdListener) dequeue() *Notification {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.queue) == 0 {
		return nil
	}
	n := l.queue[0]
	l.queue[0] = nil
	l.queue = l.queue[1:]
	return n
}

// exec runs a LISTEN or UNLISTEN statement on the connection.
func (l *stdListener) exec(ctx context.Context, stmt string) error {
	if l.kind == listenPgx {
		return l.conn.Raw(func(dc any) error {
			_, err := dc.(*stdlib.Conn).Conn().Exec(ctx, stmt)
			return err
		})
	}
	_, err := l.conn.ExecContext(ctx, stmt)
	return err
}

// WaitForNotification implements [Listener].
func (l *stdListener) WaitForNotification(ctx context.Context) (*Notification, error) {
	ctx, end, err := l.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer end()
	if l.kind == listenPgx {
		return l.waitPgx(ctx)
	}
	return l.waitPQ(ctx)
}

// waitPgx waits with pgx's WaitForNotification on the raw connection.
func (l *stdListener) waitPgx(ctx context.Context) (*Notification, error) {
	var n *Notification
	err := l.conn.Raw(func(dc any) error {
		pn, err := dc.(*stdlib.Conn).Conn().WaitForNotification(ctx)
		if pn != nil {
			n = &Notification{Channel: pn.Channel, Payload: pn.Payload}
			return nil
		}
		return err
	})
	if n != nil {
		return n, nil
	}
	return nil, l.waitError(ctx, err)
}

// waitPQ polls the lib/pq connection until a notification is queued. The
// poll statement does not use ctx: lib/pq closes a connection whose
// statement is cancelled, and the wait must be able to time out and be
// resumed on the same connection.
func (l *stdListener) waitPQ(ctx context.Context) (*Notification, error) {
	ticker := time.NewTicker(pqPollInterval)
	defer ticker.Stop()
	for {
		if n := l.dequeue(); n != nil {
			return n, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, l.waitError(ctx, err)
		}
		pollCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), pqPollTimeout)
		_, err := l.conn.ExecContext(pollCtx, "SELECT 1")
		cancel()
		if err != nil {
			return nil, fmt.Errorf("driver: wait for notification: %w", err)
		}
		if n := l.dequeue(); n != nil {
			return n, nil
		}
		select {
		case <-ctx.Done():
		case <-ticker.C:
		}
	}
}

// waitError reports a failed wait, naming Close when that ended it.
func (l *stdListener) waitError(ctx context.Context, err error) error {
	if l.ClosedDuring(ctx) {
		return ErrListenerClosed
	}
	if err == nil {
		err = ctx.Err()
	}
	return fmt.Errorf("driver: wait for notification: %w", err)
}

// Close implements [Listener]. It ends a wait in progress and discards the
// connection rather than returning it to the pool, so no subscription
// outlives the Listener.
func (l *stdListener) Close(context.Context) error {
	return l.ListenerGuard.Close(func() error {
		// Returning ErrBadConn from Raw makes database/sql close the
		// driver connection instead of putting it back in the pool.
		_ = l.conn.Raw(func(any) error { return sqldriver.ErrBadConn })
		err := l.conn.Close()
		if err != nil && !errors.Is(err, sql.ErrConnDone) {
			return fmt.Errorf("driver: close listener: %w", err)
		}
		return nil
	})
}

// SubscriptionStatement returns the statement verb ("LISTEN" or
// "UNLISTEN") for channel, with the channel quoted so that it is used
// exactly as given. An empty channel, or one holding a NUL byte, is an
// error.
func SubscriptionStatement(verb, channel string) (string, error) {
	what := strings.ToLower(verb)
	if channel == "" {
		return "", fmt.Errorf("driver: %s: empty channel name", what)
	}
	if strings.IndexByte(channel, 0) >= 0 {
		return "", fmt.Errorf("driver: %s: channel name %q contains a NUL byte", what, channel)
	}
	return verb + " " + quoteIdentifier(channel), nil
}

// quoteIdentifier quotes name as a PostgreSQL identifier, so that it is
// used exactly as given (case and special characters included).
func quoteIdentifier(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
