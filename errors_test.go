package asynqpg_test

import "context"
import "errors"
import "fmt"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"

func TestErrSkipRetry(t *testing.T) {
	t.Parallel()

	require.EqualError(t, asynqpg.ErrSkipRetry, "skip retry for the task")
	wrapped := fmt.Errorf("bad payload: %w", asynqpg.ErrSkipRetry)
	require.ErrorIs(t, wrapped, asynqpg.ErrSkipRetry)
}

func TestSnoozeErrorMessages(t *testing.T) {
	t.Parallel()
	requireConstants(t, []constant{
		{asynqpg.TaskSnooze(30 * time.Second).Error(), "task snoozed for 30s"},
		{asynqpg.TaskSnooze(0).Error(), "task snoozed for 0s"},
		{asynqpg.TaskSnoozeWithError(time.Minute).Error(), "task snoozed with error for 1m0s"},
		{asynqpg.TaskSnoozeWithError(0).Error(), "task snoozed with error for 0s"},
	})
}

func TestSnoozePanicsOnNegative(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		fn   func(time.Duration) error
	}{
		{"TaskSnooze", asynqpg.TaskSnooze},
		{"TaskSnoozeWithError", asynqpg.TaskSnoozeWithError},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Panics(t, func() { _ = tt.fn(-time.Nanosecond) })
			require.Panics(t, func() { _ = tt.fn(-time.Hour) })
			require.NotPanics(t, func() { _ = tt.fn(0) })
			require.NotPanics(t, func() { _ = tt.fn(time.Second) })
		})
	}
}

func TestSnoozeErrorsIsAs(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name                  string
		err                   error
		isSnooze, isSnoozeErr bool
		wantDuration          time.Duration
	}{
		{
			name:         "snooze bare",
			err:          asynqpg.TaskSnooze(5 * time.Second),
			isSnooze:     true,
			wantDuration: 5 * time.Second,
		},
		{
			name:         "snooze wrapped twice",
			err:          fmt.Errorf("outer: %w", fmt.Errorf("inner: %w", asynqpg.TaskSnooze(time.Minute))),
			isSnooze:     true,
			wantDuration: time.Minute,
		},
		{
			name:         "snooze with error bare",
			err:          asynqpg.TaskSnoozeWithError(2 * time.Second),
			isSnoozeErr:  true,
			wantDuration: 2 * time.Second,
		},
		{
			name:         "snooze with error wrapped",
			err:          fmt.Errorf("api unavailable: %w", asynqpg.TaskSnoozeWithError(time.Hour)),
			isSnoozeErr:  true,
			wantDuration: time.Hour,
		},
		{
			name:         "snooze in errors.Join",
			err:          errors.Join(errors.New("other"), asynqpg.TaskSnooze(3*time.Second)),
			isSnooze:     true,
			wantDuration: 3 * time.Second,
		},
		{
			name: "plain error",
			err:  errors.New("boom"),
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			// Is matches any instance of the type regardless of duration.
			require.Equal(t, tt.isSnooze, errors.Is(tt.err, &asynqpg.TaskSnoozeError{}))
			require.Equal(t, tt.isSnoozeErr, errors.Is(tt.err, &asynqpg.TaskSnoozeWithErrError{}))

			var snooze *asynqpg.TaskSnoozeError
			require.Equal(t, tt.isSnooze, errors.As(tt.err, &snooze))
			if tt.isSnooze {
				require.Equal(t, tt.wantDuration, snooze.Duration)
			}

			var snoozeErr *asynqpg.TaskSnoozeWithErrError
			require.Equal(t, tt.isSnoozeErr, errors.As(tt.err, &snoozeErr))
			if tt.isSnoozeErr {
				require.Equal(t, tt.wantDuration, snoozeErr.Duration)
			}

			require.False(t, errors.Is(tt.err, asynqpg.ErrSkipRetry))
		})
	}
}

func TestErrorHandlerFunc(t *testing.T) {
	t.Parallel()

	type ctxKey struct{}
	wantCtx := context.WithValue(context.Background(), ctxKey{}, "v")
	wantTask := &asynqpg.TaskInfo{ID: 7}
	wantErr := errors.New("boom")

	var (
		called  int
		gotCtx  context.Context
		gotTask *asynqpg.TaskInfo
		gotErr  error
	)
	var h asynqpg.ErrorHandler = asynqpg.ErrorHandlerFunc(func(ctx context.Context, task *asynqpg.TaskInfo, err error) {
		called++
		gotCtx, gotTask, gotErr = ctx, task, err
	})
	h.HandleError(wantCtx, wantTask, wantErr)

	require.Equal(t, 1, called)
	require.Equal(t, "v", gotCtx.Value(ctxKey{}))
	require.Same(t, wantTask, gotTask)
	require.Same(t, wantErr, gotErr)
}
