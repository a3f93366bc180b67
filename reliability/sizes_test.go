package reliability

import "os"
import "time"

// fullEnv selects the full sizes of the scenarios when set to "full";
// otherwise the suite runs in the short form that `make test` uses.
const fullEnv = "ASYNQPG_RELIABILITY"

// sizes are the scale knobs of the scenarios.
type sizes struct {
	// ScaleTasks is the number of tasks of the fault-free run.
	ScaleTasks int
	// RescueRaceRounds is how often a completion races the rescuer.
	RescueRaceRounds int
	// StartStopCycles is the number of consumer start/stop cycles.
	StartStopCycles int
	// TerminateFor is how long connections are terminated repeatedly.
	TerminateFor time.Duration
	// LoadTasks is the number of tasks of the scenarios that run a
	// steady load under a fault (kill, restart, partition, timeouts).
	LoadTasks int
}

var (
	shortSizes = sizes{
		ScaleTasks:       5000,
		RescueRaceRounds: 1000,
		StartStopCycles:  300,
		TerminateFor:     5 * time.Second,
		LoadTasks:        2000,
	}
	fullSizes = sizes{
		ScaleTasks:       100000,
		RescueRaceRounds: 1000,
		StartStopCycles:  1000,
		TerminateFor:     30 * time.Second,
		LoadTasks:        10000,
	}
)

// size returns the sizes in force.
func size() sizes {
	if full() {
		return fullSizes
	}
	return shortSizes
}

// full reports whether the full sizes are in force.
func full() bool { return os.Getenv(fullEnv) == "full" }
