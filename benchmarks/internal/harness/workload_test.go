package harness

import "context"
import "fmt"
import "os"
import "sync"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

// testSystems are the systems a consumer process of the tests can run.
var testSystems = []System{Asynqpg(DriverPgx), River("river-tuned", "River tuned", RiverTuned)}

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == ChildArg {
		// This test binary, run again by ScaleOut as a consumer process.
		if err := RunChild(context.Background(), os.Args[2:], testSystems, Options{Logger: DiscardLogger()}); err != nil {
			fmt.Fprintln(os.Stderr, "consumer process:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	if testServer != nil {
		testServer.Close()
	}
	os.Exit(code)
}

var (
	testServerOnce sync.Once
	testServer     *Server
	testServerErr  error
)

// testEnv returns an Env on the server the tests find, with small pools
// and a short timeout.
func testEnv(t *testing.T) Env {
	t.Helper()
	testServerOnce.Do(func() { testServer, testServerErr = FindServer(context.Background()) })
	require.NoError(t, testServerErr)
	return Env{Server: testServer, Timeout: time.Minute, Options: Options{PoolConns: 4, Logger: DiscardLogger()}}
}

func TestRawLoopCompletesEveryTask(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	for _, tc := range []struct {
		name         string
		batch, conns int
	}{
		{"one connection", 50, 1},
		{"more connections than batches", 7, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := env.RawLoop(context.Background(), 300, tc.batch, tc.conns)
			require.NoError(t, err)
			require.Equal(t, 300, res.Tasks)
			require.Positive(t, res.Elapsed)
			require.GreaterOrEqual(t, res.Table.Updates, int64(300), "every task was updated once")
			require.Positive(t, res.Table.IndexReads, "the claims read the claim index")
		})
	}
}

func TestDrainDeletesAfter(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	for _, sys := range testSystems {
		t.Run(sys.ID, func(t *testing.T) {
			res, err := env.Drain(context.Background(), DrainCase{System: sys, Tasks: 200, Workers: 10, DeleteAfter: true})
			require.NoError(t, err)
			require.Equal(t, 200, res.Delete.Rows, "every drained row deleted")
			require.Positive(t, res.Delete.Elapsed)
		})
	}
}

func TestRetainFinalizedFillsTheTable(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	for _, sys := range testSystems {
		t.Run(sys.ID, func(t *testing.T) {
			res, err := env.Drain(context.Background(), DrainCase{System: sys, Tasks: 100, Workers: 10,
				Prepare: RetainFinalized(sys, 500), DeleteAfter: true})
			require.NoError(t, err)
			require.Equal(t, 600, res.Delete.Rows, "the retained rows and the drained ones are completed")
		})
	}
}

func TestScaleOutSplitsWorkersOverProcesses(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	for _, tc := range []struct {
		sys       System
		processes int
	}{
		{testSystems[0], 1},
		{testSystems[0], 3},
		{testSystems[1], 2},
	} {
		t.Run(fmt.Sprintf("%s/%d", tc.sys.ID, tc.processes), func(t *testing.T) {
			res, err := env.ScaleOut(context.Background(), ScaleOutCase{System: tc.sys, Tasks: 300, Workers: 10, Processes: tc.processes})
			require.NoError(t, err)
			require.Equal(t, tc.processes, res.Processes)
			require.Positive(t, res.Elapsed)
			require.Positive(t, res.CPU.Process, "the consumer processes' CPU is counted")
			calls, rows := Claims(res.SQL)
			require.Positive(t, calls, "the processes' claims are reported")
			require.GreaterOrEqual(t, rows, int64(300), "every task was claimed")
			require.Positive(t, res.Table.IndexReads)
		})
	}
}

func TestParseChildArgs(t *testing.T) {
	t.Parallel()
	want := ChildConfig{SystemID: "asynqpg", URL: "postgres://h/db", Workers: 25, PoolConns: 10}
	got, err := ParseChildArgs(want.args()[1:])
	require.NoError(t, err)
	require.Equal(t, want, got)
	for _, args := range [][]string{
		{"-system", "asynqpg", "-url", "postgres://h/db", "-workers", "0", "-pool-conns", "1"},
		{"-url", "postgres://h/db", "-workers", "1", "-pool-conns", "1"},
	} {
		_, err := ParseChildArgs(args)
		require.ErrorContains(t, err, "needs -system, -url, -workers and -pool-conns")
	}
	err = RunChild(context.Background(), []string{"-system", "sidekiq", "-url", "u", "-workers", "1", "-pool-conns", "1"}, testSystems, Options{})
	require.ErrorIs(t, err, errNoChild)
}

func TestClaimsAndSumStatements(t *testing.T) {
	t.Parallel()
	a := []StatementStats{
		{Statement: "WITH done AS ( UPDATE asynqpg_tasks", Calls: 3, Rows: 30, Total: time.Millisecond},
		{Statement: "SELECT count(*)", Calls: 5, Rows: 5},
	}
	b := []StatementStats{
		{Statement: "WITH done AS ( UPDATE asynqpg_tasks", Calls: 1, Rows: 10, Total: 2 * time.Millisecond},
		{Statement: "JobGetAvailable", Calls: 2, Rows: 8},
	}
	sum := sumStatements([][]StatementStats{a, b})
	require.Len(t, sum, 3)
	require.Equal(t, StatementStats{Statement: "WITH done AS ( UPDATE asynqpg_tasks", Calls: 4, Rows: 40, Total: 3 * time.Millisecond}, sum[0])
	calls, rows := Claims(sum)
	require.Equal(t, 6, calls)
	require.Equal(t, int64(48), rows)
}
