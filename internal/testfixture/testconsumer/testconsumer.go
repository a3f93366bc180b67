// Package testconsumer holds the consumer configuration that tests run
// tasks with, and starts consumers whose handlers do nothing, for the
// tests that read what live consumers announce (the client's, the
// dashboard's, the command's). It stands apart from testfixture, which
// the engine's own tests import and which therefore cannot import the
// consumer.
package testconsumer

import "context"
import "log/slog"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"

// Start starts a consumer named id on pool that serves each task type of
// workers with that many workers and beats every heartbeat, without
// maintenance; it is stopped when the test ends.
func Start(t testing.TB, pool asynqpg.Pool, id string, heartbeat time.Duration, workers map[string]int) *consumer.Consumer {
	t.Helper()
	c, err := consumer.New(consumer.Config{
		Pool: pool, ClientID: id, Logger: slog.New(slog.DiscardHandler),
		HeartbeatInterval: heartbeat, DisableMaintenance: true,
	})
	require.NoError(t, err)
	for typ, n := range workers {
		require.NoError(t, c.RegisterTaskHandler(typ, consumer.TaskHandlerFunc(
			func(context.Context, *asynqpg.TaskInfo) error { return nil }), consumer.WithWorkersCount(n)))
	}
	require.NoError(t, c.Start())
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

// Config is a consumer configuration on pool for tests that run tasks:
// tasks are fetched every 50 ms, retried 50 ms apart and checked for
// cancellation every 100 ms; no maintenance; nothing is logged.
func Config(pool asynqpg.Pool) consumer.Config {
	return consumer.Config{
		Pool:                pool,
		Logger:              slog.New(slog.DiscardHandler),
		RetryPolicy:         asynqpg.ConstantRetryPolicy{Delay: 50 * time.Millisecond},
		FetchInterval:       50 * time.Millisecond,
		CancelCheckInterval: 100 * time.Millisecond,
		DisableMaintenance:  true,
	}
}

// Workers is n workers for each of types, as Start takes them.
func Workers(n int, types ...string) map[string]int {
	w := make(map[string]int, len(types))
	for _, typ := range types {
		w[typ] = n
	}
	return w
}
