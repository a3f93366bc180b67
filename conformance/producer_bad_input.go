package conformance

import "errors"
import "fmt"
import "strings"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/producer"

// badTask is an invalid task and the reason it is rejected with.
type badTask struct {
	name     string
	task     *asynqpg.Task
	reason   string
	tooLarge bool
}

func badTasks(typ string) []badTask {
	return []badTask{
		{name: "nil task", task: nil, reason: "task cannot be nil"},
		{name: "empty type", task: asynqpg.NewTask("", []byte{}), reason: "task type cannot be empty (empty type: a task needs the type its handler is registered for)"},
		{name: "nil payload", task: asynqpg.NewTask(typ, nil), reason: "task payload cannot be nil (nil payload: use []byte{} for a task without one)"},
		{name: "negative delay", task: asynqpg.NewTask(typ, []byte{}, asynqpg.WithDelay(-time.Millisecond)),
			reason: "task delay cannot be negative, got -1ms"},
		{name: "negative max retry", task: asynqpg.NewTask(typ, []byte{}, asynqpg.WithMaxRetry(-3)),
			reason: "task max retry must be at least 1, got -3: it is the number of attempts, and 1 runs the task once"},
		{name: "empty token", task: asynqpg.NewTask(typ, []byte{}, asynqpg.WithIdempotencyToken("")),
			reason: "task idempotency token cannot be empty (use nil for none)"},
		{name: "type too long", task: asynqpg.NewTask(strings.Repeat("t", producer.MaxTypeLength+1), []byte{}),
			reason: fmt.Sprintf("task type of %d bytes exceeds MaxTypeLength (%d bytes)", producer.MaxTypeLength+1, producer.MaxTypeLength)},
		{name: "payload too large", task: asynqpg.NewTask(typ, make([]byte, producer.MaxPayloadSize+1)),
			reason:   fmt.Sprintf("task payload of %d bytes exceeds MaxPayloadSize (%d bytes)", producer.MaxPayloadSize+1, producer.MaxPayloadSize),
			tooLarge: true},
	}
}

func requireInvalidTask(t *testing.T, err error, index int, bt badTask) {
	t.Helper()
	require.ErrorIs(t, err, producer.ErrInvalidTask)
	require.Equal(t, bt.tooLarge, errors.Is(err, producer.ErrPayloadTooLarge))
	if index < 0 {
		require.EqualError(t, err, bt.reason)
	} else {
		require.EqualError(t, err, fmt.Sprintf("validate task at index %d: %s", index, bt.reason))
	}
}

func testProducerBadInput(t *testing.T, b *apiBundle) {
	t.Parallel()
	for i, bt := range badTasks("bad") {
		t.Run(bt.name, func(t *testing.T) {
			t.Parallel()
			single := fmt.Sprintf("bad:single:%d", i)
			id, err := b.enqueue(t, bt.task)
			require.Zero(t, id)
			requireInvalidTask(t, err, -1, bt)

			batchType := fmt.Sprintf("bad:batch:%d", i)
			batch := []*asynqpg.Task{
				asynqpg.NewTask(batchType, []byte{}),
				asynqpg.NewTask(batchType, []byte("x"), asynqpg.WithIdempotencyToken("t")),
				asynqpg.NewTask(batchType, []byte{}),
				bt.task,
				asynqpg.NewTask(batchType, []byte{}),
			}
			ids, err := b.enqueueMany(t, batch)
			require.Nil(t, ids)
			requireInvalidTask(t, err, 3, bt)
			require.Zero(t, b.countType(t, single, batchType, "bad"), "bad input wrote rows")
		})
	}
	t.Run("option makes it bad", func(t *testing.T) {
		t.Parallel()
		id, err := b.enqueue(t, asynqpg.NewTask("bad:option", []byte{}), producer.WithDelay(-time.Second))
		require.Zero(t, id)
		require.ErrorIs(t, err, producer.ErrInvalidTask)
		require.Zero(t, b.countType(t, "bad:option"))
	})
}
