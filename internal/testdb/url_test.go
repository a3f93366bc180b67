package testdb

import "context"
import "database/sql"
import "strings"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

func TestNewURL(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()

	u, drop, err := NewURL(ctx)
	require.NoError(t, err)
	dropped := false
	t.Cleanup(func() {
		if !dropped {
			_ = drop()
		}
	})
	u2, drop2, err := NewURL(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = drop2() })
	require.NotEqual(t, u, u2)

	db, err := sql.Open("pgx", u)
	require.NoError(t, err)
	name := currentDatabase(ctx, t, db)
	require.True(t, strings.HasPrefix(name, testPrefix), name)
	require.True(t, tableExists(ctx, t, db, "asynqpg_tasks"), "migrated schema in %s", name)
	require.NoError(t, db.Close())

	require.NoError(t, drop())
	dropped = true
	requireDropped(ctx, t, name)
}

func TestNewURLContextEnded(t *testing.T) {
	t.Parallel()
	// Make sure the template exists, so only the clone can fail.
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	_, _, _, err := setup(ctx)
	require.NoError(t, err)

	ended, cancelEnded := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancelEnded()
	_, drop, err := NewURL(ended)
	require.Error(t, err)
	require.Nil(t, drop)
}
