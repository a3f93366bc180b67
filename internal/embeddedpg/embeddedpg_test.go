package embeddedpg

import "context"
import "fmt"
import "os"
import "os/exec"
import "path/filepath"
import "testing"
import "time"

import "github.com/jackc/pgx/v5"
import "github.com/stretchr/testify/require"

// TestManagedCluster forces the throw-away path: start, query, restart,
// query again, stop, and check that the data directory is gone.
func TestManagedCluster(t *testing.T) {
	t.Setenv(ForceEmbeddedEnv, "1")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	s, err := Find(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Stop() })

	require.True(t, s.Managed())
	require.NotZero(t, s.Port())
	require.DirExists(t, s.DataDir())
	require.Contains(t, s.URL(), "sslmode=disable")

	selectOne(ctx, t, s.URL())
	require.NoError(t, s.Restart(ctx))
	selectOne(ctx, t, s.URL())

	// A second database on the same server is reachable through DatabaseURL.
	conn, err := pgx.Connect(ctx, s.URL())
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "CREATE DATABASE other")
	require.NoError(t, err)
	require.NoError(t, conn.Close(ctx))
	other, err := DatabaseURL(s.URL(), "other")
	require.NoError(t, err)
	selectOne(ctx, t, other)

	require.NoError(t, s.Stop())
	require.NoError(t, s.Stop(), "second Stop is a no-op")
	_, err = os.Stat(s.DataDir())
	require.True(t, os.IsNotExist(err), "data directory %s still exists: %v", s.DataDir(), err)
	require.Error(t, s.Restart(ctx), "Restart after Stop")
}

func selectOne(ctx context.Context, t *testing.T, url string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer func() { _ = conn.Close(ctx) }()
	var one int
	require.NoError(t, conn.QueryRow(ctx, "select 1").Scan(&one))
	require.Equal(t, 1, one)
}

func TestFindUsesDatabaseURL(t *testing.T) {
	const u = "postgres://someone@db.example:6543/app?sslmode=disable"
	t.Setenv(ForceEmbeddedEnv, "")
	t.Setenv("DATABASE_URL", u)
	t.Setenv("TEST_DATABASE_URL", "postgres://other@elsewhere/x")
	s, err := Find(context.Background())
	require.NoError(t, err)
	require.Equal(t, u, s.URL())
	require.False(t, s.Managed())
	require.Equal(t, 6543, s.Port())
	require.Empty(t, s.DataDir())
	require.NoError(t, s.Stop())
	require.Error(t, s.Restart(context.Background()))

	t.Setenv("DATABASE_URL", "")
	s, err = Find(context.Background())
	require.NoError(t, err)
	require.Equal(t, "postgres://other@elsewhere/x", s.URL())
	require.Equal(t, 5432, s.Port())
}

func TestDatabaseURL(t *testing.T) {
	t.Parallel()
	got, err := DatabaseURL("postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "asynqpg_test_ab")
	require.NoError(t, err)
	require.Equal(t, "postgres://postgres@127.0.0.1:5432/asynqpg_test_ab?sslmode=disable", got)

	got, err = DatabaseURL("postgresql://u:p%40ss@h/db", "other")
	require.NoError(t, err)
	require.Equal(t, "postgresql://u:p%40ss@h/other", got)

	_, err = DatabaseURL("host=localhost dbname=x", "y")
	require.Error(t, err)
	_, err = DatabaseURL("postgres://h/db", "")
	require.Error(t, err)
}

func TestFindBinaries(t *testing.T) {
	t.Parallel()
	b, err := findBinaries()
	require.NoError(t, err, "PostgreSQL binaries are needed: %s", installHint)
	require.FileExists(t, b.initdb)
	require.FileExists(t, b.pgCtl)
}

// TestFindWithoutPostgreSQL checks the error that tells the user what to
// install when no server answers and no binaries exist.
func TestFindWithoutPostgreSQL(t *testing.T) {
	t.Setenv(ForceEmbeddedEnv, "")
	t.Setenv("DATABASE_URL", "")
	t.Setenv("TEST_DATABASE_URL", "")
	t.Setenv("PATH", t.TempDir())
	oldDirs, oldPort := versionDirs, probePort
	versionDirs, probePort = nil, 1
	t.Cleanup(func() { versionDirs, probePort = oldDirs, oldPort })

	_, err := Find(context.Background())
	require.Error(t, err)
	require.ErrorIs(t, err, errNoBinaries)
	require.Contains(t, err.Error(), "no PostgreSQL server reachable at 127.0.0.1:1")
	require.Contains(t, err.Error(), "apt-get install postgresql")
	require.Contains(t, err.Error(), "DATABASE_URL")
	t.Log(err)
}

// TestReapStale checks that a cluster whose owning process died is stopped
// and removed by the next Start.
func TestReapStale(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, err := Start(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Stop() })

	// Pretend the cluster belongs to a process that has exited.
	cmd := exec.Command("true")
	require.NoError(t, cmd.Run())
	dead := cmd.Process.Pid
	require.False(t, processAlive(dead))
	orphan := filepath.Join(filepath.Dir(s.DataDir()), fmt.Sprintf("%s%d-test", dirPrefix, dead))
	require.NoError(t, os.Rename(s.DataDir(), orphan))
	t.Cleanup(func() { _ = os.RemoveAll(orphan) })

	reapStale(s.bin, s.user)
	_, err = os.Stat(orphan)
	require.True(t, os.IsNotExist(err), "orphaned cluster %s still exists: %v", orphan, err)
	require.Error(t, probe(ctx, s.URL(), probeTimeout), "orphaned cluster still accepts connections")
	require.NoError(t, s.Stop(), "Stop after the directory vanished")
}
