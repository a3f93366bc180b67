package main

import (
	"context"
	"fmt"
	"time"

	"github.com/yakser/asynqpg"
	"github.com/yakser/asynqpg/client"
	"github.com/yakser/asynqpg/internal/engine"
)

// listQuery is a checked "tasks list" request.
type listQuery struct {
	params *client.ListParams
}

// newListQuery checks the filters of "tasks list".
func newListQuery(statuses, types []string, limit int) (listQuery, error) {
	if limit < 1 || limit > client.MaxListLimit {
		return listQuery{}, fmt.Errorf("invalid --limit %d: want 1 to %d", limit, client.MaxListLimit)
	}
	p := client.NewListParams().Limit(limit).Types(types...)
	var st []asynqpg.TaskStatus
	for _, s := range statuses {
		v, err := parseStatus(s)
		if err != nil {
			return listQuery{}, err
		}
		st = append(st, v)
	}
	return listQuery{params: p.States(st...)}, nil
}

// taskItem is a task in a list: no payload, its size instead.
type taskItem struct {
	ID               int64      `json:"id"`
	Type             string     `json:"type"`
	Status           string     `json:"status"`
	IdempotencyToken *string    `json:"idempotency_token"`
	Messages         []string   `json:"messages"`
	BlockedTill      time.Time  `json:"blocked_till"`
	AttemptsLeft     int        `json:"attempts_left"`
	AttemptsElapsed  int        `json:"attempts_elapsed"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	FinalizedAt      *time.Time `json:"finalized_at"`
	AttemptedAt      *time.Time `json:"attempted_at"`
	PayloadSize      int64      `json:"payload_size"`
	Priority         int        `json:"priority"`
}

// taskList is a page of tasks and the number matching the filters.
type taskList struct {
	Tasks []taskItem `json:"tasks"`
	Total int        `json:"total"`
}

// taskDetail is one task with its payload.
type taskDetail struct {
	taskItem
	Payload *string `json:"payload"`
}

func newTaskItem(t *client.TaskInfo) taskItem {
	msgs := t.Messages
	if msgs == nil {
		msgs = []string{}
	}
	return taskItem{
		ID: t.ID, Type: t.Type, Status: string(t.Status), IdempotencyToken: t.IdempotencyToken,
		Messages: msgs, BlockedTill: t.BlockedTill, AttemptsLeft: t.AttemptsLeft,
		AttemptsElapsed: t.AttemptsElapsed, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
		FinalizedAt: t.FinalizedAt, AttemptedAt: t.AttemptedAt, PayloadSize: int64(len(t.Payload)),
		Priority: t.Priority,
	}
}

// listTasks runs a "tasks list" request.
func listTasks(ctx context.Context, d *database, q listQuery) (*taskList, error) {
	c, err := d.client()
	if err != nil {
		return nil, err
	}
	res, err := c.ListTasks(ctx, q.params)
	if err != nil {
		return nil, err
	}
	out := &taskList{Tasks: make([]taskItem, len(res.Tasks)), Total: res.Total}
	for i, t := range res.Tasks {
		out.Tasks[i] = newTaskItem(t)
	}
	return out, nil
}

// getTask reads one task.
func getTask(ctx context.Context, d *database, id int64) (*taskDetail, error) {
	c, err := d.client()
	if err != nil {
		return nil, err
	}
	t, err := c.GetTask(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("task %d: %w", id, err)
	}
	out := &taskDetail{taskItem: newTaskItem(t)}
	if len(t.Payload) > 0 {
		s := string(t.Payload)
		out.Payload = &s
	}
	return out, nil
}

// bulkRetryFailed retries every failed task (of typ, when not nil).
func bulkRetryFailed(ctx context.Context, d *database, typ *string) (int64, error) {
	ex, err := d.executor()
	if err != nil {
		return 0, err
	}
	return engine.BulkRetryFailed(ctx, ex, typ)
}

// stats counts tasks by status and by type.
type stats struct {
	Total    int64            `json:"total"`
	ByStatus map[string]int64 `json:"by_status"`
	ByType   []typeStats      `json:"by_type"`
}

// typeStats counts the tasks of one type by status.
type typeStats struct {
	Type     string           `json:"type"`
	Total    int64            `json:"total"`
	ByStatus map[string]int64 `json:"by_status"`
}

func zeroCounts() map[string]int64 {
	m := make(map[string]int64, len(validStatuses))
	for _, s := range validStatuses {
		m[string(s)] = 0
	}
	return m
}

// readStats counts every task by type and status.
func readStats(ctx context.Context, d *database) (*stats, error) {
	ex, err := d.executor()
	if err != nil {
		return nil, err
	}
	counts, err := engine.CountByTypeStatus(ctx, ex)
	if err != nil {
		return nil, err
	}
	st := &stats{ByStatus: zeroCounts(), ByType: []typeStats{}}
	at := map[string]int{}
	for _, c := range counts {
		i, ok := at[c.Type]
		if !ok {
			i = len(st.ByType)
			at[c.Type] = i
			st.ByType = append(st.ByType, typeStats{Type: c.Type, ByStatus: zeroCounts()})
		}
		st.ByType[i].ByStatus[c.Status] += c.Count
		st.ByType[i].Total += c.Count
		st.ByStatus[c.Status] += c.Count
		st.Total += c.Count
	}
	return st, nil
}
