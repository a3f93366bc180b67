package asynqpg_test

import "math"
import "sync"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"

func TestDefaultRetryPolicyBounds(t *testing.T) {
	t.Parallel()

	policy := &asynqpg.DefaultRetryPolicy{MaxRetryDelay: 24 * time.Hour}

	for attempt := 1; attempt <= 10; attempt++ {
		base := time.Duration(attempt*attempt*attempt*attempt) * time.Second
		lo := time.Duration(float64(base) * 0.9)
		hi := time.Duration(float64(base) * 1.1)
		t.Run(base.String(), func(t *testing.T) {
			t.Parallel()
			for range 200 {
				d := policy.NextRetry(attempt)
				require.GreaterOrEqual(t, d, lo, "attempt %d", attempt)
				require.LessOrEqual(t, d, hi, "attempt %d", attempt)
			}
		})
	}
}

func TestDefaultRetryPolicyCap(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name     string
		maxDelay time.Duration
		attempt  int
		wantMax  time.Duration
		wantCap  bool // the result must equal wantMax exactly
	}{
		{"custom cap hit", time.Minute, 10, time.Minute, true},
		{"custom cap not hit", time.Hour, 2, time.Hour, false},
		{"zero cap means 24h", 0, 100, 24 * time.Hour, true},
		{"negative cap means 24h", -time.Second, 100, 24 * time.Hour, true},
		{"huge attempt", 24 * time.Hour, math.MaxInt, 24 * time.Hour, true},
		{"huge attempt no cap set", 0, math.MaxInt, 24 * time.Hour, true},
		{"huge attempt tiny cap", time.Nanosecond, math.MaxInt, time.Nanosecond, true},
		{"attempt 1<<20", 0, 1 << 20, 24 * time.Hour, true},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			policy := asynqpg.DefaultRetryPolicy{MaxRetryDelay: tt.maxDelay}
			for range 50 {
				d := policy.NextRetry(tt.attempt)
				require.Positive(t, d)
				require.LessOrEqual(t, d, tt.wantMax)
				if tt.wantCap {
					require.Equal(t, tt.wantMax, d)
				}
			}
		})
	}
}

func TestDefaultRetryPolicyAttemptBelowOne(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		attempt int
	}{
		{"zero", 0},
		{"negative", -5},
		{"min int", math.MinInt},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var policy asynqpg.DefaultRetryPolicy
			for range 50 {
				d := policy.NextRetry(tt.attempt)
				require.GreaterOrEqual(t, d, 900*time.Millisecond)
				require.LessOrEqual(t, d, 1100*time.Millisecond)
			}
		})
	}
}

func TestDefaultRetryPolicyConcurrent(t *testing.T) {
	t.Parallel()

	policy := &asynqpg.DefaultRetryPolicy{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for attempt := 1; attempt <= 100; attempt++ {
				_ = policy.NextRetry(attempt)
			}
		})
	}
	wg.Wait()
}

func TestConstantRetryPolicy(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name  string
		delay time.Duration
	}{
		{"zero", 0},
		{"second", time.Second},
		{"hour", time.Hour},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var policy asynqpg.RetryPolicy = &asynqpg.ConstantRetryPolicy{Delay: tt.delay}
			for _, attempt := range []int{-1, 0, 1, 2, 100, math.MaxInt} {
				require.Equal(t, tt.delay, policy.NextRetry(attempt))
			}
		})
	}
}
