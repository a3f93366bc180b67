package asynqpg_test

import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"

func TestNewTask(t *testing.T) {
	t.Parallel()

	maxRetry := func(n int) *int { return &n }
	token := func(s string) *string { return &s }

	tests := []struct {
		name string
		opts []asynqpg.TaskOption
		want asynqpg.Task
	}{
		{
			name: "no options",
			want: asynqpg.Task{Type: "t", Payload: []byte("p")},
		},
		{
			name: "all options",
			opts: []asynqpg.TaskOption{
				asynqpg.WithDelay(10 * time.Second),
				asynqpg.WithMaxRetry(5),
				asynqpg.WithIdempotencyToken("tok"),
			},
			want: asynqpg.Task{
				Type:             "t",
				Payload:          []byte("p"),
				Delay:            10 * time.Second,
				MaxRetry:         maxRetry(5),
				IdempotencyToken: token("tok"),
			},
		},
		{
			name: "zero max retry is kept",
			opts: []asynqpg.TaskOption{asynqpg.WithMaxRetry(0)},
			want: asynqpg.Task{Type: "t", Payload: []byte("p"), MaxRetry: maxRetry(0)},
		},
		{
			name: "later option wins",
			opts: []asynqpg.TaskOption{asynqpg.WithDelay(time.Second), asynqpg.WithDelay(time.Minute)},
			want: asynqpg.Task{Type: "t", Payload: []byte("p"), Delay: time.Minute},
		},
		{
			name: "nil option ignored",
			opts: []asynqpg.TaskOption{nil},
			want: asynqpg.Task{Type: "t", Payload: []byte("p")},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := asynqpg.NewTask("t", []byte("p"), tt.opts...)
			require.Equal(t, tt.want, *got)
		})
	}
}

func TestWithIdempotencyTokenCopiesValue(t *testing.T) {
	t.Parallel()

	a := asynqpg.NewTask("t", nil, asynqpg.WithIdempotencyToken("a"))
	b := asynqpg.NewTask("t", nil, asynqpg.WithIdempotencyToken("b"))
	require.NotSame(t, a.IdempotencyToken, b.IdempotencyToken)
	require.Equal(t, "a", *a.IdempotencyToken)
	require.Equal(t, "b", *b.IdempotencyToken)
}
