package asynqpg_test

import "context"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"

func TestTaskMetadataContext(t *testing.T) {
	t.Parallel()

	type otherKey struct{}
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	full := asynqpg.TaskMetadata{ID: 42, RetryCount: 2, MaxRetry: 5, CreatedAt: created}

	tests := []struct {
		name   string
		ctx    context.Context
		want   asynqpg.TaskMetadata
		wantOK bool
	}{
		{
			name: "without metadata",
			ctx:  context.Background(),
		},
		{
			name:   "with metadata",
			ctx:    asynqpg.WithTaskMetadata(context.Background(), full),
			want:   full,
			wantOK: true,
		},
		{
			name:   "with zero metadata",
			ctx:    asynqpg.WithTaskMetadata(context.Background(), asynqpg.TaskMetadata{}),
			wantOK: true,
		},
		{
			name:   "innermost metadata wins",
			ctx:    asynqpg.WithTaskMetadata(asynqpg.WithTaskMetadata(context.Background(), asynqpg.TaskMetadata{ID: 1}), full),
			want:   full,
			wantOK: true,
		},
		{
			name:   "metadata under a foreign key is ignored",
			ctx:    context.WithValue(context.Background(), otherKey{}, full),
			wantOK: false,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			meta, ok := asynqpg.GetTaskMetadata(tt.ctx)
			require.Equal(t, tt.wantOK, ok)
			require.Equal(t, tt.want, meta)

			id, ok := asynqpg.GetTaskID(tt.ctx)
			require.Equal(t, tt.wantOK, ok)
			require.Equal(t, tt.want.ID, id)

			retry, ok := asynqpg.GetRetryCount(tt.ctx)
			require.Equal(t, tt.wantOK, ok)
			require.Equal(t, tt.want.RetryCount, retry)

			maxRetry, ok := asynqpg.GetMaxRetry(tt.ctx)
			require.Equal(t, tt.wantOK, ok)
			require.Equal(t, tt.want.MaxRetry, maxRetry)

			createdAt, ok := asynqpg.GetCreatedAt(tt.ctx)
			require.Equal(t, tt.wantOK, ok)
			require.True(t, tt.want.CreatedAt.Equal(createdAt))
		})
	}
}
