package conformance

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/client"
	"github.com/yakser/asynqpg/consumer"
)

// serve starts a consumer with cfg and one handler, for taskType with
// opts: it records every run in the returned log, then returns what h
// returns for that run, numbered from 1.
func (b *consumerBundle) serve(t *testing.T, cfg consumer.Config, taskType string, h func(ctx context.Context, run int) error, opts ...consumer.TaskTypeOption) *runLog {
	t.Helper()
	runs := newRunLog()
	b.start(t, cfg, func(c *consumer.Consumer) {
		handle(t, c, taskType, func(ctx context.Context, task *asynqpg.TaskInfo) error {
			return h(ctx, runs.add(ctx, task))
		}, opts...)
	})
	return runs
}

// eachCompleter runs test once for each of the completers, each in its own
// parallel subtest on its own database, with the chapter's consumer
// configuration set to that completer.
func eachCompleter(t *testing.T, d Driver, test func(t *testing.T, b *consumerBundle, cfg consumer.Config)) {
	t.Helper()
	for _, comp := range completers {
		t.Run(comp.name, func(t *testing.T) {
			t.Parallel()
			b := setupConsumer(t, d)
			cfg := b.config()
			cfg.DisableBatchCompleter = comp.disable
			test(t, b, cfg)
		})
	}
}

// requireAttempts checks the attempts a stored task has left and has used;
// msgAndArgs says why, on failure.
func requireAttempts(t *testing.T, s *client.TaskInfo, left, elapsed int, msgAndArgs ...any) {
	t.Helper()
	require.Equal(t, left, s.AttemptsLeft, append([]any{"attempts left "}, msgAndArgs...)...)
	require.Equal(t, elapsed, s.AttemptsElapsed, append([]any{"attempts elapsed "}, msgAndArgs...)...)
}
