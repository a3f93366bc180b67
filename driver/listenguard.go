package driver

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// ErrListenerClosed is returned by a [Listener]'s methods after Close.
var ErrListenerClosed = errors.New("driver: listener closed")

// ListenerGuard is the part every [Listener] on a dedicated connection
// shares: it runs one operation at a time on the connection, and lets
// Close end a wait in progress. Adapters embed it; create it with
// [NewListenerGuard].
type ListenerGuard struct {
	// closing is cancelled by Close, so that a blocked wait returns.
	closing       context.Context
	cancelClosing context.CancelFunc

	// op serializes the use of the connection.
	op     sync.Mutex
	closed bool
}

// NewListenerGuard returns a guard for a newly opened listener.
func NewListenerGuard() *ListenerGuard {
	g := &ListenerGuard{}
	g.closing, g.cancelClosing = context.WithCancel(context.Background())
	return g
}

// Begin takes the connection for one operation, with a context that Close
// also cancels. The caller runs end when the operation is over. After
// Close it returns [ErrListenerClosed].
func (g *ListenerGuard) Begin(ctx context.Context) (opCtx context.Context, end func(), err error) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(g.closing, cancel)
	g.op.Lock()
	if g.closed {
		g.op.Unlock()
		stop()
		cancel()
		return nil, nil, ErrListenerClosed
	}
	return ctx, func() {
		g.op.Unlock()
		stop()
		cancel()
	}, nil
}

// Subscribe runs LISTEN or UNLISTEN (verb) for channel as one operation:
// it refuses a channel name [SubscriptionStatement] refuses, takes the
// connection with Begin and runs the statement with exec. An error of
// exec is returned after pkg (the adapter's package name), the verb and
// the channel.
func (g *ListenerGuard) Subscribe(ctx context.Context, pkg, verb, channel string, exec func(ctx context.Context, stmt string) error) error {
	stmt, err := SubscriptionStatement(verb, channel)
	if err != nil {
		return err
	}
	ctx, end, err := g.Begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	if err := exec(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %s %q: %w", pkg, strings.ToLower(verb), channel, err)
	}
	return nil
}

// ClosedDuring reports whether Close ended an operation whose context ctx
// is done.
func (g *ListenerGuard) ClosedDuring(ctx context.Context) bool {
	return ctx.Err() != nil && g.closing.Err() != nil
}

// Close ends a wait in progress, waits for the operation to return, and
// runs closeConn once; later calls return nil.
func (g *ListenerGuard) Close(closeConn func() error) error {
	g.cancelClosing()
	g.op.Lock()
	defer g.op.Unlock()
	if g.closed {
		return nil
	}
	g.closed = true
	return closeConn()
}
