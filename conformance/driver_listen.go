package conformance

import "context"
import "strings"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/driver"

// notifyTimeout bounds the wait for a notification that must arrive.
const notifyTimeout = 15 * time.Second

func testDriverListen(t *testing.T, d Driver) {
	t.Parallel()
	b := setupDriver(t, d)
	ctx := context.Background()

	t.Run("TransactionsCannotListen", func(t *testing.T) {
		t.Parallel()
		for _, beginner := range txBeginners(d) {
			tx := beginner.begin(t, b)
			lf, ok := tx.ex.(driver.ListenerFactory)
			if !ok {
				continue
			}
			l, err := lf.NewListener(ctx)
			require.ErrorIs(t, err, driver.ErrUnsupported, beginner.name)
			require.Nil(t, l)
		}
	})

	lf, ok := b.PoolEx.(driver.ListenerFactory)
	if !d.CanListen {
		t.Run("PoolCannotListen", func(t *testing.T) {
			t.Parallel()
			if ok {
				_, err := lf.NewListener(ctx)
				require.ErrorIs(t, err, driver.ErrUnsupported)
			}
		})
		return
	}
	require.True(t, ok, "CanListen is set, but the Pool's Executor %T is no driver.ListenerFactory", b.PoolEx)

	notify := func(t *testing.T, channel, payload string) {
		t.Helper()
		_, err := b.Check.ExecContext(ctx, `SELECT pg_notify($1, $2)`, channel, payload)
		require.NoError(t, err)
	}
	receive := func(t *testing.T, l driver.Listener) *driver.Notification {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, notifyTimeout)
		defer cancel()
		n, err := l.WaitForNotification(wctx)
		require.NoError(t, err)
		require.NotNil(t, n)
		return n
	}
	newListener := func(t *testing.T) driver.Listener {
		t.Helper()
		l, err := lf.NewListener(ctx)
		require.NoError(t, err)
		require.NotNil(t, l)
		t.Cleanup(func() { _ = l.Close(ctx) })
		return l
	}

	t.Run("Notifications", func(t *testing.T) {
		t.Parallel()
		const plain = "asynqpg_driver_test"
		const odd = `Mixed "Case", Channel`
		l := newListener(t)
		require.NoError(t, l.Listen(ctx, plain))
		require.NoError(t, l.Listen(ctx, odd))
		require.NoError(t, l.Listen(ctx, plain), "listening twice")
		require.Error(t, l.Listen(ctx, ""), "empty channel")

		// In order, on the right channels, with exact payloads.
		notify(t, plain, "one")
		notify(t, odd, `two, "quoted" ☃`)
		notify(t, plain, "")
		require.Equal(t, &driver.Notification{Channel: plain, Payload: "one"}, receive(t, l))
		require.Equal(t, &driver.Notification{Channel: odd, Payload: `two, "quoted" ☃`}, receive(t, l))
		require.Equal(t, &driver.Notification{Channel: plain, Payload: ""}, receive(t, l))

		// A wait that times out leaves the listener working.
		wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		start := time.Now()
		n, err := l.WaitForNotification(wctx)
		cancel()
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Nil(t, n)
		require.Less(t, time.Since(start), 5*time.Second)
		notify(t, plain, "after timeout")
		require.Equal(t, "after timeout", receive(t, l).Payload)

		// Notifications are transactional: delivered on commit only.
		tx, err := b.Check.BeginTx(ctx, nil)
		require.NoError(t, err)
		_, err = tx.ExecContext(ctx, `SELECT pg_notify($1, 'rolled back')`, plain)
		require.NoError(t, err)
		require.NoError(t, tx.Rollback())
		tx, err = b.Check.BeginTx(ctx, nil)
		require.NoError(t, err)
		_, err = tx.ExecContext(ctx, `SELECT pg_notify($1, 'committed')`, plain)
		require.NoError(t, err)
		wctx, cancel = context.WithTimeout(ctx, 300*time.Millisecond)
		_, err = l.WaitForNotification(wctx)
		cancel()
		require.Error(t, err, "a notification arrived before its transaction committed")
		require.NoError(t, tx.Commit())
		require.Equal(t, "committed", receive(t, l).Payload)

		// Channels not listened to are not delivered; long payloads are.
		notify(t, "asynqpg_driver_other", "not for us")
		long := strings.Repeat("p", 7000)
		notify(t, plain, long)
		require.Equal(t, &driver.Notification{Channel: plain, Payload: long}, receive(t, l))

		// Close is final and idempotent.
		require.NoError(t, l.Close(ctx))
		require.NoError(t, l.Close(ctx))
		_, err = l.WaitForNotification(ctx)
		require.Error(t, err)
		require.Error(t, l.Listen(ctx, plain))
	})

	t.Run("CloseEndsWait", func(t *testing.T) {
		t.Parallel()
		l := newListener(t)
		require.NoError(t, l.Listen(ctx, "asynqpg_driver_close"))
		done := make(chan error, 1)
		go func() {
			wctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			_, err := l.WaitForNotification(wctx)
			done <- err
		}()
		// Give the wait a moment to block; should Close come first, the
		// wait fails at once all the same.
		time.Sleep(100 * time.Millisecond)
		require.NoError(t, l.Close(ctx))
		select {
		case err := <-done:
			require.Error(t, err)
		case <-time.After(10 * time.Second):
			t.Fatal("WaitForNotification did not return after Close")
		}
	})

	t.Run("CancelledContext", func(t *testing.T) {
		t.Parallel()
		l := newListener(t)
		require.NoError(t, l.Listen(ctx, "asynqpg_driver_cancel"))
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := l.WaitForNotification(cctx)
		require.ErrorIs(t, err, context.Canceled)
		notify(t, "asynqpg_driver_cancel", "still works")
		require.Equal(t, "still works", receive(t, l).Payload)
	})

	t.Run("CloseReleasesConnection", func(t *testing.T) {
		t.Parallel()
		// The listener's session is found by its last statement, the
		// LISTEN; after Close the session ends rather than going back to
		// a pool still subscribed.
		const channel = "asynqpg_driver_release"
		l := newListener(t)
		require.NoError(t, l.Listen(ctx, channel))
		var pid int64
		require.Eventually(t, func() bool {
			err := b.Check.QueryRowContext(ctx, `SELECT pid FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%' || $1 || '%'`,
				channel).Scan(&pid)
			return err == nil
		}, notifyTimeout, 20*time.Millisecond, "no session ran the LISTEN")
		require.NoError(t, l.Close(ctx))
		require.Eventually(t, func() bool {
			var n int
			err := b.Check.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE pid = $1`, pid).Scan(&n)
			return err == nil && n == 0
		}, notifyTimeout, 20*time.Millisecond, "the listener's session outlived Close")
	})

	t.Run("SeveralListeners", func(t *testing.T) {
		t.Parallel()
		ls := []driver.Listener{newListener(t), newListener(t), newListener(t)}
		for _, l := range ls {
			require.NoError(t, l.Listen(ctx, "asynqpg_driver_fanout"))
		}
		notify(t, "asynqpg_driver_fanout", "to all")
		for _, l := range ls {
			require.Equal(t, "to all", receive(t, l).Payload)
		}
	})
}
