package main

import "context"
import "fmt"
import "io"
import "strings"
import "sync"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"

// Task types of the scheduling part of the demo: a priority lane and a
// periodic task.
const (
	typeResize = "image:resize"
	typeRollup = "metrics:rollup"
)

// The priority lane: a backlog of ordinary resizes, then a few urgent
// ones enqueued after it with a high priority, all handled by one worker.
const (
	resizeBacklog  = 30
	resizeUrgent   = 5
	urgentPriority = asynqpg.MaxPriority
)

// The periodic task: a metrics roll-up every second, enqueued by the
// consumer that leads.
const (
	rollupName     = "metrics-rollup"
	rollupSchedule = "@every 1s"
	// minRollups is how many roll-ups must have run before the demo ends.
	minRollups = 2
)

// scheduling records what the priority lane and the periodic task did.
type scheduling struct {
	mu      sync.Mutex
	order   []int       // priorities of the resizes, in the order they ran
	rollups []time.Time // instants of the roll-ups that ran
}

// resizeTasks returns the priority lane: the backlog first, the urgent
// tasks last.
func resizeTasks() []*asynqpg.Task {
	tasks := make([]*asynqpg.Task, 0, resizeBacklog+resizeUrgent)
	for i := range resizeBacklog + resizeUrgent {
		var opts []asynqpg.TaskOption
		if i >= resizeBacklog {
			opts = append(opts, asynqpg.WithPriority(urgentPriority))
		}
		tasks = append(tasks, asynqpg.NewTask(typeResize, fmt.Appendf(nil, `{"n":%d}`, i), opts...))
	}
	return tasks
}

// resize records the order the lane's tasks run in.
func (s *scheduling) resize(ctx context.Context, task *asynqpg.TaskInfo) error {
	s.mu.Lock()
	s.order = append(s.order, task.Priority)
	s.mu.Unlock()
	return work(ctx, 10*time.Millisecond, 30*time.Millisecond)
}

// rollup records the instant it was enqueued for.
func (s *scheduling) rollup(_ context.Context, task *asynqpg.TaskInfo) error {
	at, err := time.Parse(time.RFC3339, string(task.Payload))
	if err != nil {
		return fmt.Errorf("roll-up payload: %w", err)
	}
	s.mu.Lock()
	s.rollups = append(s.rollups, at)
	s.mu.Unlock()
	return nil
}

// registerPeriodic registers the roll-up on c.
func (s *scheduling) registerPeriodic(c *consumer.Consumer) error {
	return c.RegisterPeriodicTask(consumer.PeriodicTask{
		Name:     rollupName,
		Schedule: rollupSchedule,
		Task: func(at time.Time) *asynqpg.Task {
			return asynqpg.NewTask(typeRollup, []byte(at.Format(time.RFC3339)))
		},
	})
}

// settled reports whether the scheduling part has shown what it is for:
// the whole lane ran and a few roll-ups did.
func (s *scheduling) settled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.order) == resizeBacklog+resizeUrgent && len(s.rollups) >= minRollups
}

// report prints what the priority lane and the periodic task did.
func (s *scheduling) report(out io.Writer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var urgentAt []string
	for i, p := range s.order {
		if p == urgentPriority {
			urgentAt = append(urgentAt, fmt.Sprint(i+1))
		}
	}
	fmt.Fprintf(out, "\npriority lane (%s, one worker): the %d tasks of priority %d, enqueued after a backlog of %d,\n"+
		"  ran at positions %s of %d\n",
		typeResize, resizeUrgent, urgentPriority, resizeBacklog, strings.Join(urgentAt, ", "), len(s.order))
	instants := make([]string, len(s.rollups))
	for i, at := range s.rollups {
		instants[i] = at.UTC().Format(time.TimeOnly)
	}
	_, err := fmt.Fprintf(out, "periodic task %s (%s): %d instants enqueued by the leader, each once: %s UTC\n",
		rollupName, rollupSchedule, len(s.rollups), strings.Join(instants, ", "))
	return err
}
