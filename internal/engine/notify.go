package engine

import "context"
import "errors"
import "math/rand/v2"
import "strconv"
import "time"

import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/startstop"

// Reconnection of the listener.
const (
	// listenRetryMin and listenRetryMax bound the wait before opening a
	// new listener after the last one failed.
	listenRetryMin = 100 * time.Millisecond
	listenRetryMax = 10 * time.Second
	// listenHealthy is how long a listener must have worked for the next
	// failure to be retried quickly again.
	listenHealthy = time.Minute
	// listenCloseTimeout bounds closing a listener.
	listenCloseTimeout = 5 * time.Second
)

// listen keeps a listener on [ChannelNewTask], [ChannelCancel] and
// [ChannelPause] open while the processor runs, reconnecting with backoff
// after a failure. Notifications only speed things up: while there is no
// listener, fetch loops poll at FetchInterval, the cancel checker at
// CancelCheckInterval, as they always do, and the paused types are
// reloaded every pausePollInterval.
func (p *Processor) listen(ctx context.Context, f driver.ListenerFactory) {
	delay := listenRetryMin
	for {
		began := time.Now()
		err := p.listenOnce(ctx, f)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, driver.ErrUnsupported) {
			p.log.Info("asynqpg: the database handle cannot LISTEN; polling only", "error", err)
			return
		}
		if time.Since(began) >= listenHealthy {
			delay = listenRetryMin
		}
		wait := delay/2 + rand.N(delay/2+1)
		p.log.Warn("asynqpg: listener failed; polling until it reconnects", "retry_in", wait, "error", err)
		if !startstop.Sleep(ctx, wait) {
			return
		}
		delay = min(delay*2, listenRetryMax)
	}
}

// listenOnce opens a listener and dispatches its notifications until it
// fails or ctx ends.
func (p *Processor) listenOnce(ctx context.Context, f driver.ListenerFactory) error {
	l, err := f.NewListener(ctx)
	if err != nil {
		return err
	}
	defer func() {
		p.pauses.listening.Store(false)
		cctx, cancel := context.WithTimeout(context.Background(), listenCloseTimeout)
		defer cancel()
		_ = l.Close(cctx)
	}()
	for _, ch := range []string{ChannelNewTask, ChannelPause, ChannelCancel} {
		if err := l.Listen(ctx, ch); err != nil {
			return err
		}
	}
	p.log.Debug("asynqpg: listening for new and cancelled tasks and paused types")
	p.pauses.listening.Store(true)
	// Notifications sent while there was no listener are lost: look now.
	p.pauses.reloadNow()
	for _, r := range p.runners {
		r.wakeUp()
	}
	p.checkNow()
	for {
		n, err := l.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		switch n.Channel {
		case ChannelNewTask:
			if r := p.runners[n.Payload]; r != nil {
				r.wakeUp()
			}
		case ChannelPause:
			p.pauses.reloadNow()
		case ChannelCancel:
			if id, err := strconv.ParseInt(n.Payload, 10, 64); err == nil {
				p.cancelNotice(id)
			}
		}
	}
}

// checkNow asks the cancel checker to check every running attempt now.
func (p *Processor) checkNow() {
	p.mu.Lock()
	ids := make([]int64, 0, len(p.attempts))
	for k := range p.attempts {
		ids = append(ids, k.ID)
	}
	p.mu.Unlock()
	for _, id := range ids {
		select {
		case p.notices <- id:
		default:
			return
		}
	}
}
