package reliability

import "flag"
import "fmt"
import "os"
import "testing"

import "github.com/yakser/asynqpg/internal/testdb"

// parallelism is how many scenarios run at once when -test.parallel is not
// given (and the run is no fuzzing run): most of a scenario's time is
// spent waiting for leases, terms and other processes, not on the CPU.
const parallelism = 8

func TestMain(m *testing.M) {
	if role := os.Getenv(roleEnv); role != "" {
		// This process is a consumer, migrator or other child started
		// by a test, not a test run.
		os.Exit(runChild(role))
	}
	flag.Parse()
	// Fuzzing runs one worker process per -test.parallel: leave it alone.
	explicit := false
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "test.parallel" || (f.Name == "test.fuzz" && f.Value.String() != "") {
			explicit = true
		}
	})
	if !explicit {
		if err := flag.Set("test.parallel", fmt.Sprint(parallelism)); err != nil {
			fmt.Fprintln(os.Stderr, "reliability: set -test.parallel:", err)
		}
	}
	testdb.Main(m)
}
