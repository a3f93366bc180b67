package dashboard

import "context"
import "slices"
import "sync"
import "time"

import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/engine"

// StatsOptions tunes how tasks are counted.
//
// While the planner believes asynqpg_tasks holds fewer than ExactBelow
// rows, every request counts them exactly with one GROUP BY. Past that, a
// request answers at once from the last exact count, and when that count
// is older than MaxAge it starts a new one in the background (one at a
// time, and never more often than ten times the duration of the previous
// one, so that a slow count does not run back to back). Until the first
// exact count of a large table is done, the answer is built from the
// planner's statistics. Nothing is written on enqueue or completion.
// A table never analyzed is judged by its size on disk.
type StatsOptions struct {
	// ExactBelow is the estimated row count under which every request
	// counts exactly. Default 100,000.
	ExactBelow int64
	// MaxAge is how old a count of a large table may be before a request
	// starts a new one. Default 10 seconds.
	MaxAge time.Duration
	// CountTimeout bounds one background count. Default 5 minutes.
	CountTimeout time.Duration
}

func (o StatsOptions) withDefaults() StatsOptions {
	if o.ExactBelow <= 0 {
		o.ExactBelow = 100_000
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 10 * time.Second
	}
	if o.CountTimeout <= 0 {
		o.CountTimeout = 5 * time.Minute
	}
	return o
}

// bytesPerRow is a low guess of the bytes a task takes on disk, to
// estimate the rows of a table the planner never analyzed.
const bytesPerRow = 100

// statsCounter counts tasks by type and status as StatsOptions says.
type statsCounter struct {
	ex   driver.Executor
	opts StatsOptions

	mu       sync.Mutex
	cached   []engine.TypeStatusCount
	readAt   time.Time
	took     time.Duration
	counting bool
	done     chan struct{} // closed when the running count ends
}

func newStatsCounter(ex driver.Executor, opts StatsOptions) *statsCounter {
	return &statsCounter{ex: ex, opts: opts.withDefaults()}
}

func (c *statsCounter) counts(ctx context.Context) ([]engine.TypeStatusCount, error) {
	size, err := engine.ReadTableSize(ctx, c.ex)
	if err != nil {
		return nil, err
	}
	if size.Rows < 0 { // never analyzed: judge by the size on disk
		size.Rows = float64(size.Bytes) / bytesPerRow
	}
	if size.Rows < float64(c.opts.ExactBelow) {
		return engine.CountByTypeStatus(ctx, c.ex)
	}
	c.mu.Lock()
	cached, readAt, took := c.cached, c.readAt, c.took
	stale := cached == nil || time.Since(readAt) > max(c.opts.MaxAge, 10*took)
	if stale && !c.counting {
		c.counting = true
		c.done = make(chan struct{})
		go c.refresh(context.WithoutCancel(ctx), c.done)
	}
	c.mu.Unlock()
	if cached != nil {
		return cached, nil
	}
	return c.estimate(ctx, size)
}

// refresh counts exactly and keeps the result.
func (c *statsCounter) refresh(ctx context.Context, done chan struct{}) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.CountTimeout)
	defer cancel()
	start := time.Now()
	counts, err := engine.CountByTypeStatus(ctx, c.ex)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		c.cached, c.readAt, c.took = counts, time.Now(), time.Since(start)
	}
	c.counting = false
	close(done)
}

// wait blocks until a background count that is running ends.
func (c *statsCounter) wait(ctx context.Context) error {
	c.mu.Lock()
	done, counting := c.done, c.counting
	c.mu.Unlock()
	if !counting {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// estimate builds counts from the planner's statistics: the table's row
// estimate times the frequency of each status and of each type, taking
// the two columns as independent.
func (c *statsCounter) estimate(ctx context.Context, size engine.TableSize) ([]engine.TypeStatusCount, error) {
	freqs, err := engine.ColumnFrequencies(ctx, c.ex)
	if err != nil {
		return nil, err
	}
	var statuses, types []engine.ColumnFrequency
	for _, f := range freqs {
		if f.Column == "status" {
			statuses = append(statuses, f)
		} else {
			types = append(types, f)
		}
	}
	out := []engine.TypeStatusCount{}
	for _, t := range types {
		for _, s := range statuses {
			if n := int64(size.Rows*t.Fraction*s.Fraction + 0.5); n > 0 {
				out = append(out, engine.TypeStatusCount{Type: t.Value, Status: s.Value, Count: n})
			}
		}
	}
	return out, nil
}

// buildStats shapes counts as the API's Stats: every status present,
// types sorted by name, each marked paused when it is in paused and
// unserved when it is in unserved. A paused type without tasks is listed
// too, with zero counts, so that the page can resume it; an unserved type
// is only marked where it is listed.
func buildStats(counts []engine.TypeStatusCount, paused, unserved []string) Stats {
	st := Stats{ByStatus: zeroByStatus(), ByType: []TypeStats{}}
	byType := map[string]*TypeStats{}
	for _, c := range counts {
		st.Total += c.Count
		st.ByStatus[c.Status] += c.Count
		ts, ok := byType[c.Type]
		if !ok {
			ts = &TypeStats{Type: c.Type, ByStatus: zeroByStatus()}
			byType[c.Type] = ts
		}
		ts.Total += c.Count
		ts.ByStatus[c.Status] += c.Count
	}
	for _, t := range paused {
		ts, ok := byType[t]
		if !ok {
			ts = &TypeStats{Type: t, ByStatus: zeroByStatus()}
			byType[t] = ts
		}
		ts.Paused = true
	}
	for _, t := range unserved {
		if ts, ok := byType[t]; ok {
			ts.Unserved = true
		}
	}
	for _, ts := range byType {
		st.ByType = append(st.ByType, *ts)
	}
	slices.SortFunc(st.ByType, func(a, b TypeStats) int {
		if a.Type < b.Type {
			return -1
		}
		if a.Type > b.Type {
			return 1
		}
		return 0
	})
	return st
}
