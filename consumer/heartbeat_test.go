package consumer_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yakser/asynqpg/consumer"
)

func TestHeartbeatIntervalChecked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		interval time.Duration
		want     string // "" for no error
	}{
		{"default", 0, ""},
		{"short", time.Millisecond, ""},
		{"longest", consumer.MaxInterval, ""},
		{"negative", -time.Second, "consumer: Config.HeartbeatInterval is -1s: must not be negative"},
		{"too long", consumer.MaxInterval + 1, "consumer: Config.HeartbeatInterval is 168h0m0.000000001s: must be at most 168h0m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := consumer.New(consumer.Config{Pool: fakePool{}, HeartbeatInterval: tt.interval})
			if tt.want == "" {
				require.NoError(t, err)
				require.NotNil(t, c)
				return
			}
			require.EqualError(t, err, tt.want)
			require.Nil(t, c)
		})
	}
}
