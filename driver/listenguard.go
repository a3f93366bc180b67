package driver

import "context"
import "errors"
import "fmt"
import "strings"
import "sync"

// ErrListenerClosed is returned by a [Listener]'s methods after Close.
var ErrListenerClosed = errors.New("driver: listener closed")

// ListenerGuard is the part every [Listener] on a dedicated connection
// shares: it runs one operation at a time on the connection, lets Close
// end a wait in progress, and implements Listen and Unlisten. Adapters
// embed it; create it with [NewListenerGuard].
type ListenerGuard struct {
	// pkg names the adapter's package in errors; exec runs a LISTEN or
	// UNLISTEN statement on the connection.
	pkg  string
	exec func(ctx context.Context, stmt string) error

	// closing is cancelled by Close, so that a blocked wait returns.
	closing       context.Context
	cancelClosing context.CancelFunc

	// op serializes the use of the connection.
	op     sync.Mutex
	closed bool
}

// NewListenerGuard returns a guard for a newly opened listener: pkg is the
// adapter's package name, put before the errors of exec, which runs a
// LISTEN or UNLISTEN statement on the listener's connection.
func NewListenerGuard(pkg string, exec func(ctx context.Context, stmt string) error) *ListenerGuard {
	g := &ListenerGuard{pkg: pkg, exec: exec}
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

// Listen implements [Listener]: it subscribes to channel.
func (g *ListenerGuard) Listen(ctx context.Context, channel string) error {
	return g.subscribe(ctx, "LISTEN", channel)
}

// Unlisten implements [Listener]: it ends the subscription to channel.
func (g *ListenerGuard) Unlisten(ctx context.Context, channel string) error {
	return g.subscribe(ctx, "UNLISTEN", channel)
}

// subscribe runs LISTEN or UNLISTEN (verb) for channel as one operation:
// it refuses a channel name [SubscriptionStatement] refuses, takes the
// connection with Begin and runs the statement with exec. An error of
// exec is returned after the adapter's package name, the verb and the
// channel.
func (g *ListenerGuard) subscribe(ctx context.Context, verb, channel string) error {
	stmt, err := SubscriptionStatement(verb, channel)
	if err != nil {
		return err
	}
	ctx, end, err := g.Begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	if err := g.exec(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %s %q: %w", g.pkg, strings.ToLower(verb), channel, err)
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
