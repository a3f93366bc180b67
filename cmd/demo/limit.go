package main

import "context"
import "fmt"
import "io"
import "sync"
import "sync/atomic"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"

// The globally limited type: more workers than the database lets run at
// once.
const (
	typePartner    = "partner:call"
	partnerTasks   = 18
	partnerWorkers = 6
	partnerLimit   = 2
	// sampleEvery is how often the running count of the limited type is
	// read from the database.
	sampleEvery = 20 * time.Millisecond
)

// globalLimit handles the limited type and records how many of its tasks
// ran at once, in the handlers and as the database saw it.
type globalLimit struct {
	running atomic.Int32 // handlers running now
	most    atomic.Int32 // handlers running at once, at most

	mu      sync.Mutex
	sampled int   // highest running count read from the database
	samples int   // reads of it
	err     error // the first failed read
}

// call is the limited type's handler: a slow call, counted while it runs.
func (g *globalLimit) call(ctx context.Context, _ *asynqpg.TaskInfo) error {
	n := g.running.Add(1)
	defer g.running.Add(-1)
	for {
		m := g.most.Load()
		if n <= m || g.most.CompareAndSwap(m, n) {
			break
		}
	}
	return work(ctx, 100*time.Millisecond, 200*time.Millisecond)
}

// startSampling reads the running count of the limited type from the
// database every sampleEvery, until the returned function is called.
func (g *globalLimit) startSampling(ctx context.Context, cl *client.Client) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(sampleEvery)
		defer tick.Stop()
		params := client.NewListParams().States(asynqpg.TaskStatusRunning).Types(typePartner).Limit(1)
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			res, err := cl.ListTasks(ctx, params)
			g.mu.Lock()
			switch {
			case err == nil:
				g.samples++
				g.sampled = max(g.sampled, res.Total)
			case ctx.Err() == nil && g.err == nil:
				g.err = fmt.Errorf("sample running %s tasks: %w", typePartner, err)
			}
			g.mu.Unlock()
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// report prints what the limit let run, once sampling stopped.
func (g *globalLimit) report(out io.Writer) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err != nil {
		return g.err
	}
	_, err := fmt.Fprintf(out, "global limit (%s, %d workers, WithGlobalConcurrency(%d)): highest running count\n"+
		"  sampled from the database: %d (%d samples, every %s); most handlers at once: %d\n",
		typePartner, partnerWorkers, partnerLimit, g.sampled, g.samples, sampleEvery, g.most.Load())
	return err
}
