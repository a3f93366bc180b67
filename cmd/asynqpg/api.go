package main

import "context"
import "errors"
import "fmt"
import "math"
import "net/url"
import "slices"
import "strconv"
import "strings"

import "github.com/yakser/asynqpg/internal/dashboard"

// The commands that have a --json form run the dashboard's operations
// (package internal/dashboard), so that the rules, the checks and the
// JSON are those of the dashboard's API.

// service returns the dashboard's operations on the database. Task
// counts are exact: a command line run is one request, with no earlier
// count to reuse.
func (d *database) service() (*dashboard.Service, error) {
	return dashboard.New(d.pool, dashboard.Options{
		Stats: dashboard.StatsOptions{ExactBelow: math.MaxInt64},
	})
}

// newListQuery checks the filters of "tasks list" as the API checks its
// query parameters.
func newListQuery(statuses, types []string, limit int) (dashboard.ListQuery, error) {
	// The API's messages do not quote the value; a command line names it
	// quoted, so that an empty or spaced one shows.
	for _, s := range statuses {
		if !slices.Contains(dashboard.Statuses, strings.TrimSpace(s)) {
			return dashboard.ListQuery{}, fmt.Errorf("invalid status: %q", s)
		}
	}
	if limit < 1 {
		return dashboard.ListQuery{}, fmt.Errorf("limit must be a positive integer, got %q", strconv.Itoa(limit))
	}
	v := url.Values{}
	if len(statuses) > 0 {
		v.Set("status", strings.Join(statuses, ","))
	}
	if len(types) > 0 {
		v.Set("type", strings.Join(types, ","))
	}
	v.Set("limit", strconv.Itoa(limit))
	q, err := dashboard.ParseListQuery(v)
	if err != nil {
		return q, apiError(err)
	}
	return q, nil
}

// apiError turns an error of the dashboard's operations into one for the
// command line: its message (with the cause of an internal error), not
// its API code.
func apiError(err error) error {
	var e *dashboard.Error
	if !errors.As(err, &e) {
		return err
	}
	if e.Code == dashboard.CodeInternal && e.Err != nil {
		return fmt.Errorf("%s: %w", e.Message, e.Err)
	}
	return errors.New(e.Message)
}

// listTasks runs a "tasks list" request.
func listTasks(ctx context.Context, d *database, q dashboard.ListQuery) (*dashboard.TaskList, error) {
	s, err := d.service()
	if err != nil {
		return nil, err
	}
	res, err := s.List(ctx, q)
	if err != nil {
		return nil, apiError(err)
	}
	return &res, nil
}

// getTask reads one task.
func getTask(ctx context.Context, d *database, id int64) (*dashboard.TaskDetail, error) {
	s, err := d.service()
	if err != nil {
		return nil, err
	}
	t, err := s.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("task %d: %w", id, apiError(err))
	}
	return &t, nil
}

// bulkRetryFailed retries every failed task (of typ, when not nil).
func bulkRetryFailed(ctx context.Context, d *database, typ *string) (int64, error) {
	s, err := d.service()
	if err != nil {
		return 0, err
	}
	res, err := s.BulkRetry(ctx, dashboard.BulkRequest{Type: typ})
	if err != nil {
		return res.Affected, apiError(err)
	}
	return res.Affected, nil
}

// readStats counts every task by type and status.
func readStats(ctx context.Context, d *database) (*dashboard.Stats, error) {
	s, err := d.service()
	if err != nil {
		return nil, err
	}
	st, err := s.Stats(ctx)
	if err != nil {
		return nil, apiError(err)
	}
	return &st, nil
}
