package main

import "context"
import "errors"
import "fmt"
import "math/rand/v2"
import "sync"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"

// Task types of the demo workload.
const (
	typeEmail     = "email:send"
	typeReport    = "report:generate"
	typePayment   = "payment:charge"
	typeInventory = "inventory:sync"
	typeWebhook   = "webhook:deliver"
	typeTranscode = "video:transcode"
)

// workload enqueues the demo's tasks and handles them.
type workload struct {
	sched    scheduling  // the priority lane and the periodic task
	limit    globalLimit // the globally limited type
	pause    pause       // the paused type
	mu       sync.Mutex
	snoozed  map[int64]bool
	started  chan int64 // receives the ID of the long task once it runs
	startOne sync.Once
}

func newWorkload() *workload {
	return &workload{snoozed: make(map[int64]bool), started: make(chan int64, 1)}
}

// tasks returns the tasks to enqueue, in one batch.
func (w *workload) tasks() []*asynqpg.Task {
	var tasks []*asynqpg.Task
	add := func(n int, typ string, opts ...asynqpg.TaskOption) {
		for i := range n {
			payload := fmt.Appendf(nil, `{"n":%d}`, i)
			tasks = append(tasks, asynqpg.NewTask(typ, payload, opts...))
		}
	}
	add(60, typeEmail)
	add(12, typeReport, asynqpg.WithDelay(2*time.Second))
	add(20, typePayment, asynqpg.WithMaxRetry(3))
	add(4, typePayment, asynqpg.WithMaxRetry(2)) // these always fail: payload n >= 100 below
	for i := len(tasks) - 4; i < len(tasks); i++ {
		tasks[i].Payload = fmt.Appendf(nil, `{"n":%d}`, 100+i)
	}
	add(10, typeInventory)
	add(4, typeWebhook)
	add(1, typeTranscode, asynqpg.WithIdempotencyToken("transcode-42"))
	tasks = append(tasks, resizeTasks()...)
	add(partnerTasks, typePartner)
	add(newsletterTasks, typeNewsletter)
	report := asynqpg.NewTask(typeReport, []byte(`{"n":"scheduled"}`))
	report.ProcessAt = time.Now().Add(3 * time.Second)
	return append(tasks, report)
}

// handler is the handler of one task type, its number of workers and
// its global concurrency limit (0: none).
type handler struct {
	typ     string
	h       consumer.TaskHandlerFunc
	workers int
	limit   int
}

// handlers returns a handler for every task type of the workload.
func (w *workload) handlers() []handler {
	return []handler{
		{typeEmail, w.email, 10, 0},
		{typeReport, w.report, 4, 0},
		{typePayment, w.payment, 5, 0},
		{typeInventory, w.inventory, 3, 0},
		{typeWebhook, w.webhook, 2, 0},
		{typeTranscode, w.transcode, 1, 0},
		{typeResize, w.sched.resize, 1, 0},
		{typePartner, w.limit.call, partnerWorkers, partnerLimit},
		{typeNewsletter, w.pause.send, 4, 0},
		{typeRollup, w.sched.rollup, 1, 0},
	}
}

// register installs a handler for every type on c, and the periodic
// task.
func (w *workload) register(c *consumer.Consumer) error {
	for _, h := range w.handlers() {
		opts := []consumer.TaskTypeOption{consumer.WithWorkersCount(h.workers)}
		if h.limit > 0 {
			opts = append(opts, consumer.WithGlobalConcurrency(h.limit))
		}
		if err := c.RegisterTaskHandler(h.typ, h.h, opts...); err != nil {
			return err
		}
	}
	return w.sched.registerPeriodic(c)
}

func work(ctx context.Context, min, max time.Duration) error {
	d := min + rand.N(max-min)
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *workload) email(ctx context.Context, _ *asynqpg.TaskInfo) error {
	return work(ctx, 20*time.Millisecond, 120*time.Millisecond)
}

func (w *workload) report(ctx context.Context, _ *asynqpg.TaskInfo) error {
	return work(ctx, 100*time.Millisecond, 300*time.Millisecond)
}

// payment fails its first attempt ("gateway timeout") and succeeds on the
// retry; tasks marked n >= 100 fail every attempt until they run out.
func (w *workload) payment(ctx context.Context, task *asynqpg.TaskInfo) error {
	if err := work(ctx, 10*time.Millisecond, 50*time.Millisecond); err != nil {
		return err
	}
	var n int
	_, _ = fmt.Sscanf(string(task.Payload), `{"n":%d}`, &n)
	if n >= 100 {
		return errors.New("card declined")
	}
	if task.AttemptsElapsed == 0 {
		return errors.New("gateway timeout")
	}
	return nil
}

// inventory snoozes once, without spending an attempt, then succeeds.
func (w *workload) inventory(ctx context.Context, task *asynqpg.TaskInfo) error {
	w.mu.Lock()
	first := !w.snoozed[task.ID]
	w.snoozed[task.ID] = true
	w.mu.Unlock()
	if first {
		return asynqpg.TaskSnooze(700 * time.Millisecond)
	}
	return work(ctx, 10*time.Millisecond, 40*time.Millisecond)
}

// webhook rejects its payload for good: no retry.
func (w *workload) webhook(context.Context, *asynqpg.TaskInfo) error {
	return fmt.Errorf("endpoint answered 410 Gone: %w", asynqpg.ErrSkipRetry)
}

// transcode runs until its context is cancelled: the demo cancels it.
func (w *workload) transcode(ctx context.Context, task *asynqpg.TaskInfo) error {
	w.startOne.Do(func() { w.started <- task.ID })
	<-ctx.Done()
	return ctx.Err()
}
