package driver

import "context"
import "crypto/rand"
import "encoding/hex"
import "fmt"
import "time"

// ListenProbeTimeout bounds the wait for the test notification of
// [ProbeListener].
const ListenProbeTimeout = 3 * time.Second

// ProbeListener checks that a notification sent by notify through another
// connection reaches l, on a channel of its own that it unsubscribes from
// once the notification arrived. Through a connection pooler in transaction mode
// LISTEN succeeds but nothing ever arrives; ProbeListener then returns an
// error matching [ErrUnsupported].
func ProbeListener(ctx context.Context, l Listener, notify func(ctx context.Context, channel string) error) error {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	channel := "asynqpg_probe_" + hex.EncodeToString(b)
	// Every step is bounded, so that a connection that does not answer
	// (a pooler waiting for a free server connection, say) fails the
	// probe rather than holding it.
	step, cancelStep := context.WithTimeout(ctx, ListenProbeTimeout)
	err := l.Listen(step, channel)
	if err == nil {
		if err = notify(step, channel); err != nil {
			err = fmt.Errorf("driver: send the test notification: %w", err)
		}
	}
	cancelStep()
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, ListenProbeTimeout)
	defer cancel()
	for {
		n, err := l.WaitForNotification(wctx)
		if err != nil {
			if ctx.Err() == nil && wctx.Err() != nil {
				return fmt.Errorf("%w: a test notification did not arrive within %v: the connection cannot LISTEN (a pooler in transaction mode?)",
					ErrUnsupported, ListenProbeTimeout)
			}
			return err
		}
		if n.Channel == channel {
			if err := l.Unlisten(ctx, channel); err != nil {
				return fmt.Errorf("driver: end the test subscription: %w", err)
			}
			return nil
		}
	}
}
