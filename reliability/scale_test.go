package reliability

import "fmt"
import "testing"
import "time"

// TestScaleNoFaults is scenario 1: several consumer processes with many
// workers each share a large number of tasks, with no fault injected.
// Pass: every task completed, executed exactly once (0 lost, 0 duplicate,
// 0 re-executions).
func TestScaleNoFaults(t *testing.T) {
	t.Parallel()
	const (
		processes = 3
		workers   = 25
		taskType  = "scale"
	)
	tasks := size().ScaleTasks
	useConnections(t, 3*(4+1+3)+4)
	b := setup(t)
	began := time.Now()
	procs := make([]*proc, processes)
	for i := range procs {
		procs[i] = startChild(t, fmt.Sprintf("scale-%d", i), roleConsumer, consumerSpec{
			URL:           b.url,
			Name:          fmt.Sprintf("scale-%d", i),
			Types:         []string{taskType},
			Workers:       workers,
			FetchInterval: 100 * time.Millisecond,
			Maintenance:   true,
		}, true)
	}
	b.enqueue(t, taskType, tasks, 3)
	drained := b.waitCompleted(t, taskType, tasks, 15*time.Minute)
	for _, p := range procs {
		p.stop(t)
	}
	c := b.counts(t, taskType)
	requireNoLossNoDuplicate(t, c, tasks, 0)
	maxAttempt := b.scalar(t, `SELECT coalesce(max(attempt), 0) FROM reliability_ledger`)
	elapsed := time.Since(began)
	report(t, result{
		Scenario: 1, Name: "no faults at scale", Counts: c, Elapsed: elapsed,
		Notes: fmt.Sprintf("processes=%d workers=%d throughput=%.0f/s max_attempt=%d",
			processes, workers, float64(tasks)/drained.Seconds(), maxAttempt),
	})
}
