package dashboard

import "time"

import "github.com/yakser/asynqpg/client"

// The JSON the API sends under "data". Field names and their order are
// those of the original asynqpg's dashboard; priority is ours.

// TaskSummary is a task in a list: everything but the payload, whose size
// it gives.
type TaskSummary struct {
	ID     int64  `json:"id"`
	Type   string `json:"type"`
	Status string `json:"status"`
	taskState
	PayloadSize int64 `json:"payload_size"`
	Priority    int   `json:"priority"`
}

// TaskList is a page of tasks and the number of all tasks the filters
// match.
type TaskList struct {
	Tasks []TaskSummary `json:"tasks"`
	Total int           `json:"total"`
}

// TaskDetail is one task with its payload as text; Payload is null when
// the payload is empty or hidden.
type TaskDetail struct {
	ID          int64   `json:"id"`
	Type        string  `json:"type"`
	Status      string  `json:"status"`
	Payload     *string `json:"payload"`
	PayloadSize int     `json:"payload_size"`
	taskState
	Priority int `json:"priority"`
}

// taskState is the part of a task that TaskSummary and TaskDetail both
// give, in the same place of their JSON: its token, messages, attempts
// and times (in UTC).
type taskState struct {
	IdempotencyToken *string    `json:"idempotency_token"`
	Messages         []string   `json:"messages"`
	BlockedTill      time.Time  `json:"blocked_till"`
	AttemptsLeft     int        `json:"attempts_left"`
	AttemptsElapsed  int        `json:"attempts_elapsed"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	FinalizedAt      *time.Time `json:"finalized_at"`
	AttemptedAt      *time.Time `json:"attempted_at"`
}

// Stats counts the tasks by status, and by status within each type.
type Stats struct {
	Total    int64            `json:"total"`
	ByStatus map[string]int64 `json:"by_status"`
	ByType   []TypeStats      `json:"by_type"`
}

// TypeStats counts the tasks of one type by status, and tells whether
// the type is paused and whether it has tasks ready to run that no live
// consumer serves.
type TypeStats struct {
	Type     string           `json:"type"`
	Total    int64            `json:"total"`
	ByStatus map[string]int64 `json:"by_status"`
	Paused   bool             `json:"paused"`
	Unserved bool             `json:"unserved"`
}

// BulkResult is the number of tasks a bulk action changed.
type BulkResult struct {
	Affected int64 `json:"affected"`
}

// Leader is the last leader's term (LeaseTTLSeconds 0 once it expired);
// every field is zero while no term is recorded.
type Leader struct {
	LeaderID        string     `json:"leader_id"`
	ElectedAt       *time.Time `json:"elected_at"`
	ExpiresAt       *time.Time `json:"expires_at"`
	LeaseTTLSeconds int64      `json:"lease_ttl_seconds"`
}

// Config is the page's runtime configuration.
type Config struct {
	Prefix               string `json:"prefix"`
	HidePayloadByDefault bool   `json:"hide_payload_by_default"`
	Version              string `json:"version"`
	AuthMode             string `json:"auth_mode"`
}

// Health is the answer of the health check.
type Health struct {
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

// Statuses are the task statuses, in the order the page shows them.
var Statuses = []string{"pending", "running", "completed", "failed", "cancelled"}

func zeroByStatus() map[string]int64 {
	m := make(map[string]int64, len(Statuses))
	for _, s := range Statuses {
		m[s] = 0
	}
	return m
}

// NewTaskDetail shapes info; the payload is left out when hide is set.
func NewTaskDetail(info *client.TaskInfo, hide bool) TaskDetail {
	d := TaskDetail{
		ID:          info.ID,
		Type:        info.Type,
		Status:      string(info.Status),
		PayloadSize: len(info.Payload),
		taskState:   newTaskState(info),
		Priority:    info.Priority,
	}
	if !hide && len(info.Payload) > 0 {
		s := string(info.Payload)
		d.Payload = &s
	}
	return d
}

// NewTaskSummary shapes info for a list.
func NewTaskSummary(info *client.TaskInfo) TaskSummary {
	return TaskSummary{
		ID:          info.ID,
		Type:        info.Type,
		Status:      string(info.Status),
		taskState:   newTaskState(info),
		PayloadSize: int64(len(info.Payload)),
		Priority:    info.Priority,
	}
}

// newTaskState shapes the part of info that a summary and a detail share.
func newTaskState(info *client.TaskInfo) taskState {
	return taskState{
		IdempotencyToken: info.IdempotencyToken,
		Messages:         nonNilMessages(info.Messages),
		BlockedTill:      info.BlockedTill.UTC(),
		AttemptsLeft:     info.AttemptsLeft,
		AttemptsElapsed:  info.AttemptsElapsed,
		CreatedAt:        info.CreatedAt.UTC(),
		UpdatedAt:        info.UpdatedAt.UTC(),
		FinalizedAt:      utc(info.FinalizedAt),
		AttemptedAt:      utc(info.AttemptedAt),
	}
}

func nonNilMessages(m []string) []string {
	if m == nil {
		return []string{}
	}
	return m
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
