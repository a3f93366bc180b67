package harness

import "context"
import "testing"

import "github.com/jackc/pgx/v5"
import "github.com/jackc/pgx/v5/pgconn"
import "github.com/stretchr/testify/require"

// TestSQLStatsTake checks that statements are counted by their name: the
// sqlc name where there is one, else the first words, so that texts that
// differ only past those words are one statement.
func TestSQLStatsTake(t *testing.T) {
	t.Parallel()
	long := "UPDATE tasks SET status = 'running' WHERE id IN (SELECT id FROM tasks ORDER BY id LIMIT 10) RETURNING id"
	run := func(s *SQLStats, sql, tag string) {
		t.Helper()
		ctx := s.TraceQueryStart(context.Background(), nil, pgx.TraceQueryStartData{SQL: sql})
		s.TraceQueryEnd(ctx, nil, pgx.TraceQueryEndData{CommandTag: pgconn.NewCommandTag(tag)})
	}
	s := NewSQLStats()
	run(s, "-- name: JobGetAvailable :many\nSELECT 1", "SELECT 5")
	run(s, "-- name: JobGetAvailable :many\nSELECT 2", "SELECT 7")
	run(s, long+" -- first form", "UPDATE 10")
	run(s, long+" -- second form", "UPDATE 3")
	run(s, "SELECT   1", "SELECT 1")

	got := map[string]StatementStats{}
	for _, e := range s.Take() {
		got[e.Statement] = e
	}
	require.Len(t, got, 3)
	require.Equal(t, 2, got["JobGetAvailable"].Calls)
	require.Equal(t, int64(12), got["JobGetAvailable"].Rows)
	require.Equal(t, 2, got[long[:fingerprintLen]].Calls)
	require.Equal(t, int64(13), got[long[:fingerprintLen]].Rows)
	require.Equal(t, 1, got["SELECT 1"].Calls)
	require.Empty(t, s.Take(), "Take resets the statistics")
}
