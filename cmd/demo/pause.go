package main

import "context"
import "fmt"
import "io"
import "sync"
import "sync/atomic"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"

// The paused type: paused before its tasks are enqueued, resumed a moment
// after the consumer started.
const (
	typeNewsletter  = "newsletter:send"
	newsletterTasks = 12
	pauseFor        = 1500 * time.Millisecond
)

// pause pauses and resumes the paused type, handles its tasks, and
// records what they did meanwhile.
type pause struct {
	paused    atomic.Bool  // between PauseTaskType and ResumeTaskType
	ranPaused atomic.Int32 // handler calls while paused

	mu        sync.Mutex
	resumedAt time.Time     // zero until resumed
	heldFor   time.Duration // from the consumer's start to the resume
	waiting   int           // tasks of the type pending at the resume
	started   int           // tasks of the type not pending at the resume
	others    int           // tasks of other types settled by the resume
	firstRun  time.Time     // first handler call after the resume
	runs      int           // handler calls after the resume
}

// send is the paused type's handler.
func (p *pause) send(ctx context.Context, _ *asynqpg.TaskInfo) error {
	if p.paused.Load() {
		p.ranPaused.Add(1)
	}
	p.mu.Lock()
	if !p.resumedAt.IsZero() {
		if p.runs == 0 {
			p.firstRun = time.Now()
		}
		p.runs++
	}
	p.mu.Unlock()
	return work(ctx, 10*time.Millisecond, 40*time.Millisecond)
}

// pause pauses the type.
func (p *pause) pause(ctx context.Context, cl *client.Client) error {
	p.paused.Store(true)
	if err := cl.PauseTaskType(ctx, typeNewsletter); err != nil {
		p.paused.Store(false)
		return err
	}
	return nil
}

// resume counts from the database what waited, then resumes the type.
// started is when the consumer started.
func (p *pause) resume(ctx context.Context, cl *client.Client, started time.Time) error {
	count := func(params *client.ListParams) (int, error) {
		res, err := cl.ListTasks(ctx, params.Limit(1))
		if err != nil {
			return 0, fmt.Errorf("count tasks before the resume: %w", err)
		}
		return res.Total, nil
	}
	settled := []asynqpg.TaskStatus{asynqpg.TaskStatusCompleted, asynqpg.TaskStatusFailed, asynqpg.TaskStatusCancelled}
	waiting, err := count(client.NewListParams().Types(typeNewsletter).States(asynqpg.TaskStatusPending))
	if err != nil {
		return err
	}
	all, err := count(client.NewListParams().Types(typeNewsletter))
	if err != nil {
		return err
	}
	settledAll, err := count(client.NewListParams().States(settled...))
	if err != nil {
		return err
	}
	settledPaused, err := count(client.NewListParams().Types(typeNewsletter).States(settled...))
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.waiting, p.started, p.others = waiting, all-waiting, settledAll-settledPaused
	p.heldFor = time.Since(started)
	// Marked resumed before the resume: no handler call can come sooner.
	p.resumedAt = time.Now()
	p.mu.Unlock()

	p.paused.Store(false)
	return cl.ResumeTaskType(ctx, typeNewsletter)
}

// resumed reports whether the type was resumed.
func (p *pause) resumed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.resumedAt.IsZero()
}

// release resumes the type (a no-op when it was resumed), so that a
// database used again does not keep it paused when the demo failed.
func (p *pause) release(cl *client.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = cl.ResumeTaskType(ctx, typeNewsletter)
}

// note is the progress line of the resume.
func (p *pause) note() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return fmt.Sprintf("resumed %s after %s: its %d tasks had waited pending", typeNewsletter,
		p.heldFor.Round(time.Millisecond), p.waiting)
}

// report prints what the paused type did.
func (p *pause) report(out io.Writer) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, err := fmt.Fprintf(out, "pause (%s): paused before the consumer started, resumed %s after it; by then\n"+
		"  %d of its tasks waited pending, %d had started (%d handler calls while paused), while %d tasks\n"+
		"  of other types settled; after the resume %d ran, the first %s after it\n",
		typeNewsletter, p.heldFor.Round(time.Millisecond), p.waiting, p.started, p.ranPaused.Load(), p.others,
		p.runs, p.firstRun.Sub(p.resumedAt).Round(time.Millisecond))
	return err
}
