package conformance

import "context"
import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/validate"
import "github.com/yakser/asynqpg/producer"

// RequireRefused checks that a handle a driver adapter must not accept
// (nil, a typed nil, a zero value, or one with a nil handle inside) is
// refused with a clear error, never a panic: driver.Resolve returns an
// error matching driver.ErrNilQuerier that contains errText;
// producer.New, consumer.New and client.New return an error for it as
// their Pool ("database pool is required" when it is nil or a nil
// pointer), and p.EnqueueTx for it as the transaction.
func RequireRefused(t *testing.T, p *producer.Producer, h any, errText string) {
	t.Helper()
	ex, err := driver.Resolve(h)
	require.ErrorIs(t, err, driver.ErrNilQuerier)
	require.Nil(t, ex)
	require.Contains(t, err.Error(), errText)

	if pool, ok := h.(asynqpg.Pool); ok || h == nil {
		constructors := map[string]func() error{
			"producer": func() error { _, err := producer.New(producer.Config{Pool: pool}); return err },
			"consumer": func() error { _, err := consumer.New(consumer.Config{Pool: pool}); return err },
			"client":   func() error { _, err := client.New(client.Config{Pool: pool}); return err },
		}
		for name, construct := range constructors {
			var err error
			require.NotPanics(t, func() { err = construct() }, name)
			if validate.IsNil(pool) {
				require.EqualError(t, err, "database pool is required", name)
			} else {
				require.ErrorIs(t, err, driver.ErrNilQuerier, name)
				require.Contains(t, err.Error(), errText, name)
			}
		}
	}
	if q, ok := h.(asynqpg.Querier); ok || h == nil {
		var err error
		require.NotPanics(t, func() {
			_, err = p.EnqueueTx(context.Background(), q, asynqpg.NewTask("refused", []byte{}))
		})
		require.Error(t, err)
		if !validate.IsNil(q) {
			require.ErrorIs(t, err, driver.ErrNilQuerier)
		}
	}
}
