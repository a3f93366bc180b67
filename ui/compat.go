package ui

import "errors"
import "time"

import "github.com/lib/pq"

import "github.com/yakser/asynqpg/internal/dashboard"

// The names below are those the original asynqpg's package ui exports
// for its database layer. The handler does not use them; they are kept
// so that programs naming them build unchanged.

// ErrNoLeader tells that no leader row exists yet. The leader endpoint
// answers zero values then.
var ErrNoLeader = errors.New("no leader row")

// Values of ListTasksParams.IdempotencyToken.
const (
	IdempotencyHas  = "has"
	IdempotencyNone = "none"
)

// TaskTypeStat is the number of tasks of one type in one status.
type TaskTypeStat struct {
	Type   string `db:"type" json:"type"`
	Status string `db:"status" json:"status"`
	Count  int64  `db:"count" json:"count"`
}

// TaskListItem is a task in a list: everything but the payload, whose
// size it gives.
type TaskListItem struct {
	ID               int64          `db:"id" json:"id"`
	Type             string         `db:"type" json:"type"`
	Status           string         `db:"status" json:"status"`
	IdempotencyToken *string        `db:"idempotency_token" json:"idempotency_token"`
	Messages         pq.StringArray `db:"messages" json:"messages"`
	BlockedTill      time.Time      `db:"blocked_till" json:"blocked_till"`
	AttemptsLeft     int            `db:"attempts_left" json:"attempts_left"`
	AttemptsElapsed  int            `db:"attempts_elapsed" json:"attempts_elapsed"`
	CreatedAt        time.Time      `db:"created_at" json:"created_at"`
	UpdatedAt        time.Time      `db:"updated_at" json:"updated_at"`
	FinalizedAt      *time.Time     `db:"finalized_at" json:"finalized_at"`
	AttemptedAt      *time.Time     `db:"attempted_at" json:"attempted_at"`
	PayloadSize      int64          `db:"payload_size" json:"payload_size"`
}

// TaskListResult is a page of tasks and the number of all tasks the
// filters match.
type TaskListResult struct {
	Tasks []TaskListItem `json:"tasks"`
	Total int            `json:"total"`
}

// ListTasksParams are the filters, paging and order of a task list, as
// the API reads them from its query parameters.
type ListTasksParams = dashboard.ListQuery

// LeaderRow is a row of the table asynqpg_leader.
type LeaderRow struct {
	Name      string    `db:"name" json:"name"`
	LeaderID  string    `db:"leader_id" json:"leader_id"`
	ElectedAt time.Time `db:"elected_at" json:"elected_at"`
	ExpiresAt time.Time `db:"expires_at" json:"expires_at"`
}
