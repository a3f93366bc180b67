package observability_test

import "context"
import "errors"
import "sync"
import "sync/atomic"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/observability"

// fakeStats is a reading function whose result the test sets, counting
// its calls.
type fakeStats struct {
	mu    sync.Mutex
	stats []observability.QueueStat
	err   error
	reads atomic.Int64
}

func (f *fakeStats) set(stats []observability.QueueStat, err error) {
	f.mu.Lock()
	f.stats, f.err = stats, err
	f.mu.Unlock()
}

func (f *fakeStats) read(context.Context) ([]observability.QueueStat, error) {
	f.reads.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stats, f.err
}

// queueHealthBundle is a QueueHealth on a fake reading, with its own
// telemetry.
type queueHealthBundle struct {
	tel    *telemetry
	fake   *fakeStats
	qh     *observability.QueueHealth
	active atomic.Bool
	errs   atomic.Int64
}

func setupQueueHealth(t *testing.T, interval time.Duration) *queueHealthBundle {
	t.Helper()
	b := &queueHealthBundle{tel: newTelemetry(t), fake: &fakeStats{}}
	b.active.Store(true)
	qh, err := observability.NewQueueHealth(observability.QueueHealthConfig{
		MeterProvider: b.tel.mp,
		Read:          b.fake.read,
		Interval:      interval,
		Active:        b.active.Load,
		OnError:       func(error) { b.errs.Add(1) },
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = qh.Close() })
	b.qh = qh
	return b
}

// points collects the two gauges.
func (b *queueHealthBundle) points(t *testing.T) (tasks map[string]int64, ages map[string]float64) {
	t.Helper()
	ms := b.tel.collect(t)
	tasks, ages = map[string]int64{}, map[string]float64{}
	if m, ok := ms[observability.MetricQueueTasks]; ok {
		tasks = gaugePoints[int64](t, m)
	}
	if m, ok := ms[observability.MetricQueueOldestReadyAge]; ok {
		ages = gaugePoints[float64](t, m)
	}
	return tasks, ages
}

func TestQueueHealthReadsOncePerInterval(t *testing.T) {
	t.Parallel()
	b := setupQueueHealth(t, time.Hour)
	b.fake.set([]observability.QueueStat{
		{Type: "a", Status: asynqpg.TaskStatusPending, Count: 7, OldestReady: 90 * time.Second},
		{Type: "a", Status: asynqpg.TaskStatusRunning, Count: 2},
		{Type: "b", Status: asynqpg.TaskStatusFailed, Count: 1},
	}, nil)
	wantTasks := map[string]int64{
		"status=pending,task_type=a": 7, "status=running,task_type=a": 2,
		"status=failed,task_type=a": 0, "status=cancelled,task_type=a": 0,
		"status=pending,task_type=b": 0, "status=running,task_type=b": 0,
		"status=failed,task_type=b": 1, "status=cancelled,task_type=b": 0,
	}
	wantAges := map[string]float64{"task_type=a": 90, "task_type=b": 0}
	for range 3 {
		tasks, ages := b.points(t)
		require.Equal(t, wantTasks, tasks)
		require.Equal(t, wantAges, ages)
	}
	require.Equal(t, int64(1), b.fake.reads.Load(), "one reading serves the interval")
}

func TestQueueHealthKeepsKnownTypes(t *testing.T) {
	t.Parallel()
	b := setupQueueHealth(t, time.Nanosecond)
	b.fake.set([]observability.QueueStat{{Type: "a", Status: asynqpg.TaskStatusPending, Count: 1, OldestReady: time.Second}}, nil)
	tasks, _ := b.points(t)
	require.Equal(t, int64(1), tasks["status=pending,task_type=a"])
	b.fake.set(nil, nil)
	tasks, ages := b.points(t)
	require.Equal(t, int64(0), tasks["status=pending,task_type=a"], "a type seen before drops to zero")
	require.Len(t, tasks, 4)
	require.Equal(t, map[string]float64{"task_type=a": 0}, ages)
	require.Equal(t, int64(2), b.fake.reads.Load())
}

func TestQueueHealthInactive(t *testing.T) {
	t.Parallel()
	b := setupQueueHealth(t, time.Hour)
	b.fake.set([]observability.QueueStat{{Type: "a", Status: asynqpg.TaskStatusPending, Count: 1}}, nil)
	b.active.Store(false)
	tasks, ages := b.points(t)
	require.Empty(t, tasks)
	require.Empty(t, ages)
	require.Zero(t, b.fake.reads.Load(), "not the leader: nothing read")

	b.active.Store(true)
	tasks, _ = b.points(t)
	require.Equal(t, int64(1), tasks["status=pending,task_type=a"])
	b.active.Store(false)
	tasks, _ = b.points(t)
	require.Empty(t, tasks)
	b.active.Store(true)
	b.points(t)
	require.Equal(t, int64(2), b.fake.reads.Load(), "leadership regained: read afresh")
}

func TestQueueHealthReadError(t *testing.T) {
	t.Parallel()
	b := setupQueueHealth(t, time.Hour)
	b.fake.set(nil, errors.New("database unreachable"))
	for range 2 {
		tasks, ages := b.points(t)
		require.Empty(t, tasks, "no figures rather than stale ones")
		require.Empty(t, ages)
	}
	require.Equal(t, int64(1), b.fake.reads.Load(), "a failed reading is not retried before the interval")
	require.Equal(t, int64(1), b.errs.Load())
}

func TestQueueHealthClose(t *testing.T) {
	t.Parallel()
	b := setupQueueHealth(t, time.Hour)
	b.fake.set([]observability.QueueStat{{Type: "a", Status: asynqpg.TaskStatusPending, Count: 1}}, nil)
	require.NoError(t, b.qh.Close())
	tasks, _ := b.points(t)
	require.Empty(t, tasks)
	require.Zero(t, b.fake.reads.Load())
}

func TestQueueHealthConfig(t *testing.T) {
	t.Parallel()
	read := func(context.Context) ([]observability.QueueStat, error) { return nil, nil }
	tests := []struct {
		name string
		cfg  observability.QueueHealthConfig
		err  string
	}{
		{"no read", observability.QueueHealthConfig{}, "Read is required"},
		{"negative interval", observability.QueueHealthConfig{Read: read, Interval: -time.Second}, "Interval is -1s: must not be negative"},
		{"negative timeout", observability.QueueHealthConfig{Read: read, Timeout: -time.Second}, "Timeout is -1s: must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := observability.NewQueueHealth(tt.cfg)
			require.ErrorContains(t, err, tt.err)
		})
	}
}
