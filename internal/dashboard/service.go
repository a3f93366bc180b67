// Package dashboard holds what the dashboard's API (package ui) and the
// command line tool share: the JSON shapes of the API's answers and the
// operations that produce them, with errors that carry the API's codes.
// json.Marshal of a value returned here is exactly what the API sends
// under "data".
package dashboard

import "context"
import "fmt"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/engine"

// Options configures a Service.
type Options struct {
	// HidePayload leaves payloads out of every task answer but Payload's.
	HidePayload bool
	// Stats tunes the task counts; zero values take the defaults.
	Stats StatsOptions
	// Throughput tunes the count of finalized tasks per minute; zero
	// values take the defaults.
	Throughput ThroughputOptions
}

// Service runs the dashboard's operations on one database. It is safe for
// concurrent use.
type Service struct {
	pool   asynqpg.Pool
	ex     driver.Executor
	client *client.Client
	hide   bool
	stats  *statsCounter
	// throughput counts finalized tasks per minute.
	throughput *throughputCounter
}

// New returns a Service on pool.
func New(pool asynqpg.Pool, opts Options) (*Service, error) {
	cl, err := client.New(client.Config{Pool: pool})
	if err != nil {
		return nil, err
	}
	ex, err := driver.Resolve(pool)
	if err != nil {
		return nil, fmt.Errorf("dashboard: pool: %w", err)
	}
	return &Service{pool: pool, ex: ex, client: cl, hide: opts.HidePayload, stats: newStatsCounter(ex, opts.Stats),
		throughput: newThroughputCounter(ex, opts.Throughput)}, nil
}

// Get returns task id.
func (s *Service) Get(ctx context.Context, id int64) (TaskDetail, error) {
	info, err := s.client.GetTask(ctx, id)
	if err != nil {
		return TaskDetail{}, clientError(err, "get")
	}
	return NewTaskDetail(info, s.hide), nil
}

// Payload returns the payload of task id as stored.
func (s *Service) Payload(ctx context.Context, id int64) ([]byte, error) {
	info, err := s.client.GetTask(ctx, id)
	if err != nil {
		return nil, clientError(err, "get payload of")
	}
	return info.Payload, nil
}

// Retry makes a failed or cancelled task pending again.
func (s *Service) Retry(ctx context.Context, id int64) (TaskDetail, error) {
	return s.act(ctx, id, "retry", s.client.RetryTask)
}

// Cancel cancels a task.
func (s *Service) Cancel(ctx context.Context, id int64) (TaskDetail, error) {
	return s.act(ctx, id, "cancel", s.client.CancelTask)
}

// Delete deletes a task that is not running and returns it as it was.
func (s *Service) Delete(ctx context.Context, id int64) (TaskDetail, error) {
	return s.act(ctx, id, "delete", s.client.DeleteTask)
}

func (s *Service) act(ctx context.Context, id int64, verb string,
	action func(context.Context, int64) (*client.TaskInfo, error),
) (TaskDetail, error) {
	info, err := action(ctx, id)
	if err != nil {
		return TaskDetail{}, clientError(err, verb)
	}
	return NewTaskDetail(info, s.hide), nil
}

// List returns the page of tasks q selects.
func (s *Service) List(ctx context.Context, q ListQuery) (TaskList, error) {
	res, err := s.client.ListTasks(ctx, q.clientParams())
	if err != nil {
		return TaskList{}, clientError(err, "list")
	}
	out := TaskList{Tasks: make([]TaskSummary, len(res.Tasks)), Total: res.Total}
	for i, t := range res.Tasks {
		out.Tasks[i] = NewTaskSummary(t)
	}
	return out, nil
}

// TaskTypes returns the task types in use, sorted: the types that have
// tasks, whether paused or not (a paused type without tasks is in Stats
// but not here). They come from the same counts as Stats, so they cost
// nothing more on a large table.
func (s *Service) TaskTypes(ctx context.Context) ([]string, error) {
	counts, err := s.stats.counts(ctx)
	if err != nil {
		return nil, AsError(err, "get task types")
	}
	types := []string{}
	for _, ts := range buildStats(counts, nil, nil).ByType {
		types = append(types, ts.Type)
	}
	return types, nil
}

// BulkRetry makes the failed tasks req selects pending again.
func (s *Service) BulkRetry(ctx context.Context, req BulkRequest) (BulkResult, error) {
	return s.bulk(ctx, req, "bulk retry tasks", engine.BulkRetryFailed)
}

// BulkDelete deletes the failed tasks req selects.
func (s *Service) BulkDelete(ctx context.Context, req BulkRequest) (BulkResult, error) {
	return s.bulk(ctx, req, "bulk delete tasks", engine.BulkDeleteFailed)
}

func (s *Service) bulk(ctx context.Context, req BulkRequest, what string,
	run func(context.Context, driver.Executor, engine.BulkFilter) (int64, error),
) (BulkResult, error) {
	if req.byIDs && len(req.IDs) == 0 {
		return BulkResult{}, nil
	}
	n, err := run(ctx, s.ex, engine.BulkFilter{Type: req.Type, ByIDs: req.byIDs, IDs: req.IDs})
	if err != nil {
		return BulkResult{Affected: n}, AsError(err, what)
	}
	return BulkResult{Affected: n}, nil
}

// Leader returns the last leader's term, with lease_ttl_seconds 0 once it
// has expired (as the original shows it); zero while none is recorded.
func (s *Service) Leader(ctx context.Context) (Leader, error) {
	term, err := engine.CurrentLeader(ctx, s.ex, engine.DefaultLeaderName)
	if err != nil {
		return Leader{}, AsError(err, "get leader")
	}
	if term == nil {
		return Leader{}, nil
	}
	elected, expires := term.ElectedAt.UTC(), term.ExpiresAt.UTC()
	return Leader{
		LeaderID:        term.LeaderID,
		ElectedAt:       &elected,
		ExpiresAt:       &expires,
		LeaseTTLSeconds: max(int64(term.Left.Seconds()), 0),
	}, nil
}

// Stats counts the tasks by status and type, and tells which types are
// paused and which have ready tasks that no live consumer serves (see
// client.ListUnservedTaskTypes); see [StatsOptions] for how the counts
// stay fast on a large table. A paused type is listed even when it has no
// task.
func (s *Service) Stats(ctx context.Context) (Stats, error) {
	counts, err := s.stats.counts(ctx)
	if err != nil {
		return Stats{}, AsError(err, "get stats")
	}
	paused, err := s.client.ListPausedTaskTypes(ctx)
	if err != nil {
		return Stats{}, AsError(err, "get stats")
	}
	unserved, err := s.client.ListUnservedTaskTypes(ctx)
	if err != nil {
		return Stats{}, AsError(err, "get stats")
	}
	return buildStats(counts, paused, unserved), nil
}

// Ping checks that the database answers.
func (s *Service) Ping(ctx context.Context) error {
	return s.pool.PingContext(ctx)
}
