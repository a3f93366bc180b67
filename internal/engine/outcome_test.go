package engine

import "errors"
import "fmt"
import "math"
import "strings"
import "testing"
import "time"
import "unicode/utf8"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"

// recordingPolicy returns attempt seconds and remembers the attempts it
// was asked about.
type recordingPolicy struct{ asked []int }

func (p *recordingPolicy) NextRetry(attempt int) time.Duration {
	p.asked = append(p.asked, attempt)
	return time.Duration(attempt) * time.Second
}

func TestDecide(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tests := []struct {
		name        string
		err         error
		left        int
		elapsed     int
		maxAttempts int
		want        Decision
		wantAsked   []int
	}{
		{
			name: "success", err: nil, left: 1,
			want: Decision{Status: "completed", Kind: asynqpg.StatusCompleted},
		},
		{
			name: "snooze keeps counters", err: asynqpg.TaskSnooze(3 * time.Second), left: 1, elapsed: 5,
			want: Decision{Status: "pending", Delay: 3 * time.Second, Kind: asynqpg.StatusSnoozed},
		},
		{
			name: "wrapped snooze", err: fmt.Errorf("later: %w", asynqpg.TaskSnooze(time.Minute)), left: 0,
			want: Decision{Status: "pending", Delay: time.Minute, Kind: asynqpg.StatusSnoozed},
		},
		{
			name: "negative snooze is now", err: &asynqpg.TaskSnoozeError{Duration: -time.Second}, left: 2,
			want: Decision{Status: "pending", Kind: asynqpg.StatusSnoozed},
		},
		{
			name: "snooze with error and attempts left", err: fmt.Errorf("api down: %w", asynqpg.TaskSnoozeWithError(time.Minute)),
			left: 2, elapsed: 1,
			want: Decision{Status: "pending", Spent: 1, Message: "api down: task snoozed with error for 1m0s",
				Delay: time.Minute, Kind: asynqpg.StatusSnoozed},
		},
		{
			name: "snooze with error on the last attempt", err: asynqpg.TaskSnoozeWithError(time.Minute), left: 1, elapsed: 2,
			want: Decision{Status: "failed", Spent: 1, Message: "task snoozed with error for 1m0s", Kind: asynqpg.StatusFailed},
		},
		{
			name: "skip retry", err: asynqpg.ErrSkipRetry, left: 5,
			want: Decision{Status: "failed", Spent: 1, Message: "skip retry for the task", Kind: asynqpg.StatusFailed},
		},
		{
			name: "wrapped skip retry", err: fmt.Errorf("bad payload: %w", asynqpg.ErrSkipRetry), left: 5,
			want: Decision{Status: "failed", Spent: 1, Message: "bad payload: skip retry for the task", Kind: asynqpg.StatusFailed},
		},
		{
			name: "panic", err: &PanicError{Value: "kaboom"}, left: 5,
			want: Decision{Status: "failed", Spent: 1, Message: "task handler panic: kaboom", Kind: asynqpg.StatusFailed},
		},
		{
			name: "first failure is retried with NextRetry(1)", err: boom, left: 3, elapsed: 0,
			want:      Decision{Status: "pending", Spent: 1, Message: "boom", Delay: time.Second, Kind: asynqpg.StatusRetried},
			wantAsked: []int{1},
		},
		{
			name: "second failure is retried with NextRetry(2)", err: boom, left: 2, elapsed: 1,
			want:      Decision{Status: "pending", Spent: 1, Message: "boom", Delay: 2 * time.Second, Kind: asynqpg.StatusRetried},
			wantAsked: []int{2},
		},
		{
			name: "last attempt fails", err: boom, left: 1, elapsed: 2,
			want: Decision{Status: "failed", Spent: 1, Message: "boom", Kind: asynqpg.StatusFailed},
		},
		{
			name: "no attempt budget fails", err: boom, left: 0, elapsed: 0,
			want: Decision{Status: "failed", Spent: 1, Message: "boom", Kind: asynqpg.StatusFailed},
		},
		{
			name: "cap reached", err: boom, left: 5, elapsed: 1, maxAttempts: 2,
			want: Decision{Status: "failed", Spent: 1, Message: "boom", Kind: asynqpg.StatusFailed},
		},
		{
			name: "cap not reached", err: boom, left: 5, elapsed: 0, maxAttempts: 2,
			want:      Decision{Status: "pending", Spent: 1, Message: "boom", Delay: time.Second, Kind: asynqpg.StatusRetried},
			wantAsked: []int{1},
		},
		{
			name: "timeout", err: &TimeoutError{Timeout: time.Second, Err: errors.New("context deadline exceeded")}, left: 1,
			want: Decision{Status: "failed", Spent: 1, Message: "task handler timeout (1s) exceeded: context deadline exceeded",
				Kind: asynqpg.StatusFailed},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			policy := &recordingPolicy{}
			got := Decide(tt.err, tt.left, tt.elapsed, tt.maxAttempts, policy)
			require.Equal(t, tt.want, got)
			require.Equal(t, tt.wantAsked, policy.asked)
		})
	}
}

func TestDecideDefaultPolicy(t *testing.T) {
	t.Parallel()
	got := Decide(errors.New("boom"), 3, 0, 0, nil)
	require.Equal(t, "pending", got.Status)
	require.InDelta(t, time.Second, got.Delay, float64(200*time.Millisecond))
}

func TestTimeoutError(t *testing.T) {
	t.Parallel()
	inner := errors.New("inner")
	err := error(&TimeoutError{Timeout: 2 * time.Second, Err: inner})
	require.ErrorIs(t, err, ErrHandlerTimeout)
	require.ErrorIs(t, err, inner)
	require.Equal(t, "task handler timeout (2s) exceeded", (&TimeoutError{Timeout: 2 * time.Second}).Error())
}

func TestPanicMessageKeepsStack(t *testing.T) {
	t.Parallel()
	d := Decide(&PanicError{Value: 42, Stack: []byte("goroutine 1 [running]:\nmain.f()")}, 3, 0, 0, nil)
	require.Equal(t, "task handler panic: 42\ngoroutine 1 [running]:\nmain.f()", d.Message)
}

func TestSanitizeMessage(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", MaxMessageBytes)
	tests := []struct {
		name, in, want string
	}{
		{"plain", "boom", "boom"},
		{"nul bytes", "a\x00b", "ab"},
		{"invalid utf-8", "a\xffb", "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, sanitizeMessage(tt.in))
		})
	}
	t.Run("long", func(t *testing.T) {
		t.Parallel()
		got := sanitizeMessage(long)
		require.LessOrEqual(t, len(got), MaxMessageBytes)
		require.True(t, utf8.ValidString(got))
		require.True(t, strings.HasSuffix(got, "(truncated)"))
	})
}

func TestBackoffDoesNotOverflow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		base     time.Duration
		failures int
		limit    time.Duration
		want     time.Duration
	}{
		{base: time.Second, failures: 0, limit: 5 * time.Second, want: time.Second},
		{base: time.Second, failures: 2, limit: 5 * time.Second, want: 4 * time.Second},
		{base: time.Second, failures: 3, limit: 5 * time.Second, want: 5 * time.Second},
		{base: time.Duration(math.MaxInt64), failures: 10, limit: time.Duration(math.MaxInt64), want: time.Duration(math.MaxInt64)},
		{base: time.Hour * 24 * 365 * 100, failures: 1000, limit: time.Duration(math.MaxInt64), want: time.Duration(math.MaxInt64)},
		{base: 0, failures: 5, limit: time.Second, want: 32},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, backoff(tt.base, tt.failures, tt.limit), "%v << %d up to %v", tt.base, tt.failures, tt.limit)
	}
}

// A type with a backlog claims for half of its workers, but for at least
// minClaimBatch of them when it has that many, and for all of a smaller
// pool: fewer, larger claims. It has a second claim in flight only when
// its pool holds two such batches.
func TestClaimBatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		workers, batch, inFlight int
	}{
		{workers: 1, batch: 1, inFlight: 1},
		{workers: 10, batch: 10, inFlight: 1},
		{workers: 25, batch: 25, inFlight: 1},
		{workers: minClaimBatch, batch: minClaimBatch, inFlight: 1},
		{workers: 99, batch: 50, inFlight: 1},
		{workers: 100, batch: 50, inFlight: maxClaimsInFlight},
		{workers: 1000, batch: 500, inFlight: maxClaimsInFlight},
	}
	for _, tt := range tests {
		r := &typeRunner{cfg: TypeConfig{Workers: tt.workers}}
		require.Equal(t, tt.batch, r.claimBatch(), "%d workers", tt.workers)
		require.Equal(t, tt.inFlight, r.claimsInFlight(), "%d workers", tt.workers)
	}
}
