package dashboard

import "context"
import "sync"
import "time"

import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/engine"

// Throughput is the answer of GET /api/throughput: the tasks completed and
// failed in each of the last 60 minutes by the database clock, oldest
// first, the current minute last.
type Throughput struct {
	Minutes []ThroughputMinute `json:"minutes"`
	// Complete is false when some minutes could not be counted within
	// ThroughputOptions.CountTimeout; they are reported as zero.
	Complete bool `json:"complete"`
}

// ThroughputMinute is the number of tasks completed and failed in the
// minute that starts at At, by their finalized_at.
type ThroughputMinute struct {
	At        time.Time `json:"at"`
	Completed int64     `json:"completed"`
	Failed    int64     `json:"failed"`
}

// throughputMinutes is the number of minutes in a Throughput.
const throughputMinutes = 60

// ThroughputOptions tunes how the throughput is counted.
//
// An answer is kept for MaxAge; a request after that counts again, one
// count at a time (other requests wait for it). A minute that had ended
// ten seconds before a count is not counted again: each count reads the
// rows of the minutes not yet counted, those since the last count (the
// current minute and at times the one before) once the first count of the
// hour is done. Minutes are counted one
// statement each, the newest first; a count stops at CountTimeout and
// answers what it has, with Complete false, and the next one goes on from
// there.
type ThroughputOptions struct {
	// MaxAge is how long an answer is reused. Default 15 seconds.
	MaxAge time.Duration
	// CountTimeout bounds one count. Default 5 seconds.
	CountTimeout time.Duration
}

func (o ThroughputOptions) withDefaults() ThroughputOptions {
	if o.MaxAge <= 0 {
		o.MaxAge = 15 * time.Second
	}
	if o.CountTimeout <= 0 {
		o.CountTimeout = 5 * time.Second
	}
	return o
}

// throughputCounter counts finalized tasks per minute as
// ThroughputOptions says.
type throughputCounter struct {
	ex   driver.Executor
	opts ThroughputOptions

	sem chan struct{} // held by the running count

	mu       sync.Mutex
	answer   *Throughput
	answered time.Time
	// settled holds the minutes counted for good; only the holder of sem
	// uses it.
	settled map[time.Time]engine.MinuteCount
}

func newThroughputCounter(ex driver.Executor, opts ThroughputOptions) *throughputCounter {
	return &throughputCounter{
		ex: ex, opts: opts.withDefaults(), sem: make(chan struct{}, 1),
		settled: map[time.Time]engine.MinuteCount{},
	}
}

// Throughput returns the tasks completed and failed per minute over the
// last hour; see [ThroughputOptions] for how it stays cheap on a busy
// table. Tasks deleted before their minute was counted, by the cleaner or
// by hand, and cancelled tasks are not counted.
func (s *Service) Throughput(ctx context.Context) (Throughput, error) {
	t, err := s.throughput.get(ctx)
	if err != nil {
		return Throughput{}, AsError(err, "get throughput")
	}
	return t, nil
}

func (c *throughputCounter) get(ctx context.Context) (Throughput, error) {
	if t, ok := c.fresh(); ok {
		return t, nil
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return Throughput{}, ctx.Err()
	}
	defer func() { <-c.sem }()
	if t, ok := c.fresh(); ok { // counted while this request waited
		return t, nil
	}
	now, err := engine.DatabaseNow(ctx, c.ex)
	if err != nil {
		return Throughput{}, err
	}
	// The count goes on when the request that started it goes away: the
	// requests waiting for it want its answer.
	countCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opts.CountTimeout)
	defer cancel()
	t, err := c.count(countCtx, now)
	if err != nil {
		return Throughput{}, err
	}
	c.mu.Lock()
	c.answer, c.answered = &t, time.Now()
	c.mu.Unlock()
	return t, nil
}

// fresh returns the last answer while it is younger than MaxAge.
func (c *throughputCounter) fresh() (Throughput, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.answer == nil || time.Since(c.answered) > c.opts.MaxAge {
		return Throughput{}, false
	}
	return *c.answer, true
}

// settleAfter is how long after its end a minute is counted for good: a
// task's finalized_at is the start of the transaction that finalizes it,
// which commits later.
const settleAfter = 10 * time.Second

// count counts the minutes of the hour that ends with the minute of now
// (the database clock) that are not settled, the newest first, one statement a minute so that a count cut
// short keeps every minute it finished, and builds the answer. Only the
// caller holding sem calls it.
func (c *throughputCounter) count(ctx context.Context, now time.Time) (Throughput, error) {
	current := now.Truncate(time.Minute)
	first := current.Add(-(throughputMinutes - 1) * time.Minute)
	for m := range c.settled {
		if m.Before(first) {
			delete(c.settled, m)
		}
	}
	counted := map[time.Time]engine.MinuteCount{}
	complete := true
	for m := current; !m.Before(first); m = m.Add(-time.Minute) {
		if _, ok := c.settled[m]; ok {
			continue
		}
		got, err := engine.FinalizedPerMinute(ctx, c.ex, m, m.Add(time.Minute))
		if err != nil {
			if ctx.Err() != nil { // out of time: answer what is counted
				complete = false
				break
			}
			return Throughput{}, err
		}
		counted[m] = engine.MinuteCount{Minute: m}
		for _, mc := range got {
			counted[mc.Minute] = mc
		}
		if !m.Add(time.Minute + settleAfter).After(now) {
			c.settled[m] = counted[m]
		}
	}
	t := Throughput{Minutes: make([]ThroughputMinute, 0, throughputMinutes), Complete: complete}
	for i := range throughputMinutes {
		m := first.Add(time.Duration(i) * time.Minute)
		mc, ok := counted[m]
		if !ok {
			mc = c.settled[m]
		}
		t.Minutes = append(t.Minutes, ThroughputMinute{At: m, Completed: mc.Completed, Failed: mc.Failed})
	}
	return t, nil
}
