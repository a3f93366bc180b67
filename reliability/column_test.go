package reliability

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// scannable is what the rows of database/sql and of pgx have in common.
type scannable interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// column returns the value of the one column of each row of rows.
func column[T any](t testing.TB, rows scannable) []T {
	t.Helper()
	var out []T
	for rows.Next() {
		var v T
		require.NoError(t, rows.Scan(&v))
		out = append(out, v)
	}
	require.NoError(t, rows.Err())
	return out
}

// runningClaimedBy returns the IDs of the running tasks whose attempt the
// consumer app claimed (claimsAudit records it).
func (b *bundle) runningClaimedBy(t testing.TB, app string) []int64 {
	t.Helper()
	rows, err := b.pool.Query(t.Context(), `SELECT id FROM asynqpg_tasks WHERE status = 'running' AND claimed_by = $1`, app)
	require.NoError(t, err)
	defer rows.Close()
	return column[int64](t, rows)
}
