package reliability

import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/internal/testfixture"

// runningClaimedBy returns the IDs of the running tasks whose attempt the
// consumer app claimed (claimsAudit records it).
func (b *bundle) runningClaimedBy(t testing.TB, app string) []int64 {
	t.Helper()
	rows, err := b.pool.Query(t.Context(), `SELECT id FROM asynqpg_tasks WHERE status = 'running' AND claimed_by = $1`, app)
	require.NoError(t, err)
	defer rows.Close()
	return testfixture.Column[int64](t, rows)
}
