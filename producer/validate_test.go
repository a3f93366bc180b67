package producer_test

import "context"
import "errors"
import "strings"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/producer"

// badTasks are invalid tasks and the reason each is rejected with.
var badTasks = []struct {
	name       string
	task       *asynqpg.Task
	opts       []producer.EnqueueOption
	wantReason string
	tooLarge   bool
}{
	{name: "nil task", task: nil, wantReason: "task cannot be nil"},
	{name: "empty type", task: asynqpg.NewTask("", []byte{}), wantReason: "task type cannot be empty (empty type: a task needs the type its handler is registered for)"},
	{name: "type too long", task: asynqpg.NewTask(strings.Repeat("x", producer.MaxTypeLength+1), []byte{}),
		wantReason: "task type of 1025 bytes exceeds MaxTypeLength (1024 bytes)"},
	{name: "type with a NUL byte", task: asynqpg.NewTask("a\x00b", []byte{}),
		wantReason: `task type "a\x00b" is not valid UTF-8 text without NUL bytes`},
	{name: "type not UTF-8", task: asynqpg.NewTask("a\xffb", []byte{}),
		wantReason: `task type "a\xffb" is not valid UTF-8 text without NUL bytes`},
	{name: "nil payload", task: asynqpg.NewTask("t", nil), wantReason: "task payload cannot be nil (nil payload: use []byte{} for a task without one)"},
	{name: "negative delay", task: asynqpg.NewTask("t", []byte{}, asynqpg.WithDelay(-time.Second)),
		wantReason: "task delay cannot be negative, got -1s"},
	{name: "negative delay with process at", task: &asynqpg.Task{Type: "t", Payload: []byte{}, Delay: -1, ProcessAt: time.Now()},
		wantReason: "task delay cannot be negative, got -1ns"},
	{name: "negative max retry", task: asynqpg.NewTask("t", []byte{}, asynqpg.WithMaxRetry(-1)),
		wantReason: "task max retry must be at least 1, got -1: it is the number of attempts, and 1 runs the task once"},
	{name: "max retry zero", task: asynqpg.NewTask("t", []byte{}, asynqpg.WithMaxRetry(0)),
		wantReason: "task max retry must be at least 1, got 0: it is the number of attempts, and 1 runs the task once"},
	{name: "max retry too large", task: asynqpg.NewTask("t", []byte{}, asynqpg.WithMaxRetry(1<<31)),
		wantReason: "task max retry 2147483648 exceeds 2147483647"},
	{name: "empty idempotency token", task: asynqpg.NewTask("t", []byte{}, asynqpg.WithIdempotencyToken("")),
		wantReason: "task idempotency token cannot be empty (use nil for none)"},
	{name: "idempotency token too long", task: asynqpg.NewTask("t", []byte{},
		asynqpg.WithIdempotencyToken(strings.Repeat("k", producer.MaxIdempotencyTokenLength+1))),
		wantReason: "task idempotency token of 1025 bytes exceeds MaxIdempotencyTokenLength (1024 bytes)"},
	{name: "payload too large", task: asynqpg.NewTask("t", make([]byte, producer.MaxPayloadSize+1)),
		wantReason: "task payload of 16777217 bytes exceeds MaxPayloadSize (16777216 bytes)", tooLarge: true},
	{name: "option makes it bad", task: asynqpg.NewTask("t", []byte{}), opts: []producer.EnqueueOption{producer.WithMaxRetry(-2)},
		wantReason: "task max retry must be at least 1, got -2: it is the number of attempts, and 1 runs the task once"},
}

func TestEnqueueRejectsBadInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, producer.Config{})
	for _, tt := range badTasks {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id, err := b.producer.Enqueue(ctx, tt.task, tt.opts...)
			require.Zero(t, id)
			requireInvalid(t, err, -1, tt.wantReason, tt.tooLarge)
			require.EqualError(t, err, tt.wantReason)

			tx, txErr := b.db.BeginTxx(ctx, nil)
			require.NoError(t, txErr)
			defer func() { _ = tx.Rollback() }()
			_, err = b.producer.EnqueueTx(ctx, tx, tt.task, tt.opts...)
			requireInvalid(t, err, -1, tt.wantReason, tt.tooLarge)
		})
	}
	require.Zero(t, b.pool.ex.Counts.Statements.Load(), "bad input reached the database")
	require.Zero(t, b.count(t))
}

func TestEnqueueManyRejectsBadInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, producer.Config{})
	for _, tt := range badTasks {
		if len(tt.opts) > 0 {
			continue // options are for Enqueue only
		}
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			batch := []*asynqpg.Task{
				asynqpg.NewTask("good", []byte{}),
				asynqpg.NewTask("good", []byte("x")),
				asynqpg.NewTask("good", []byte{}, asynqpg.WithIdempotencyToken(tt.name)),
				tt.task,
				asynqpg.NewTask("", nil), // a later bad task is not the one reported
			}
			ids, err := b.producer.EnqueueMany(ctx, batch)
			require.Nil(t, ids)
			requireInvalid(t, err, 3, tt.wantReason, tt.tooLarge)
			require.EqualError(t, err, "validate task at index 3: "+tt.wantReason)

			tx, txErr := b.db.BeginTxx(ctx, nil)
			require.NoError(t, txErr)
			defer func() { _ = tx.Rollback() }()
			_, err = b.producer.EnqueueManyTx(ctx, tx, batch)
			requireInvalid(t, err, 3, tt.wantReason, tt.tooLarge)
		})
	}
	require.Zero(t, b.pool.ex.Counts.Statements.Load(), "bad input reached the database")
	require.Zero(t, b.count(t))
}

func requireInvalid(t *testing.T, err error, index int, reason string, tooLarge bool) {
	t.Helper()
	require.ErrorIs(t, err, producer.ErrInvalidTask)
	require.Equal(t, tooLarge, errors.Is(err, producer.ErrPayloadTooLarge))
	require.False(t, errors.Is(err, producer.ErrDuplicateTask))
	var invalid *producer.InvalidTaskError
	require.ErrorAs(t, err, &invalid)
	require.Equal(t, index, invalid.Index)
	require.Equal(t, reason, invalid.Reason)
}

// TestMaxPayloadSize stores a payload of exactly MaxPayloadSize, and a
// smaller one of every byte value through a batch (whose array parameter
// is the slow path of text-encoding drivers).
func TestMaxPayloadSize(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, producer.Config{})
	payload := []byte(strings.Repeat("\x00\xff'\\", producer.MaxPayloadSize/4))
	require.Len(t, payload, producer.MaxPayloadSize)
	id, err := b.producer.Enqueue(ctx, asynqpg.NewTask("big", payload))
	require.NoError(t, err)
	require.Equal(t, payload, b.get(t, id).Payload)

	small := make([]byte, 1<<20)
	for i := range small {
		small[i] = byte(i)
	}
	ids, err := b.producer.EnqueueMany(ctx, []*asynqpg.Task{asynqpg.NewTask("big", small), asynqpg.NewTask("big", []byte{})})
	require.NoError(t, err)
	require.Len(t, ids, 2)
	require.Equal(t, small, b.get(t, ids[0]).Payload)
	require.Equal(t, []byte{}, b.get(t, ids[1]).Payload)
}
