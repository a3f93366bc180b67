package consumer_test

import "context"
import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"

// TestWithGlobalConcurrency checks that RegisterTaskHandler refuses a
// global concurrency that is not positive, naming the value, and takes a
// positive one.
func TestWithGlobalConcurrency(t *testing.T) {
	t.Parallel()
	ok := consumer.TaskHandlerFunc(func(context.Context, *asynqpg.TaskInfo) error { return nil })
	tests := []struct {
		name string
		n    int
		want string // "" for no error
	}{
		{name: "zero", n: 0, want: `RegisterTaskHandler("t"): global concurrency is 0: must be positive`},
		{name: "negative", n: -3, want: `RegisterTaskHandler("t"): global concurrency is -3: must be positive`},
		{name: "one", n: 1},
		{name: "more than the workers", n: 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := consumer.New(consumer.Config{Pool: fakePool{}, DisableMaintenance: true})
			require.NoError(t, err)
			err = c.RegisterTaskHandler("t", ok, consumer.WithWorkersCount(2), consumer.WithGlobalConcurrency(tt.n))
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.want)
			require.NoError(t, c.RegisterTaskHandler("t", ok), "nothing was registered")
		})
	}
}
