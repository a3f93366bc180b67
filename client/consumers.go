package client

import "context"
import "fmt"
import "sort"
import "time"

import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/engine"
import "github.com/yakser/asynqpg/internal/validate"

// ConsumerInfo describes a live consumer: a started consumer whose last
// heartbeat is younger than three of its heartbeat intervals (see
// consumer.Config.HeartbeatInterval). Its JSON form is the one the
// dashboard and the command line print.
type ConsumerInfo struct {
	// ID is the consumer's ClientID (see consumer.Config.ClientID).
	ID string `json:"id"`
	// Hostname is the name of the host the consumer runs on.
	Hostname string `json:"hostname"`
	// PID is the consumer's process ID on that host.
	PID int64 `json:"pid"`
	// TaskTypes are the task types the consumer serves, in name order.
	TaskTypes []string `json:"task_types"`
	// Workers maps each task type the consumer serves to its number of
	// workers.
	Workers map[string]int `json:"workers"`
	// StartedAt is when the consumer started, by the database clock, in
	// UTC.
	StartedAt time.Time `json:"started_at"`
	// LastHeartbeatAt is when the consumer last renewed its entry, by the
	// database clock, in UTC.
	LastHeartbeatAt time.Time `json:"last_heartbeat_at"`
}

// ListConsumers returns the live consumers on the database, the longest
// running first. A consumer is listed from its Start until its Shutdown
// returns; one whose process died without stopping is listed until three
// of its heartbeat intervals have passed since its last heartbeat. The
// result is empty, not nil, when no consumer is live.
func (c *Client) ListConsumers(ctx context.Context) ([]ConsumerInfo, error) {
	rows, err := read(ctx, c, engine.ListConsumers)
	if err != nil {
		return nil, err
	}
	out := make([]ConsumerInfo, 0, len(rows))
	for _, r := range rows {
		types := make([]string, 0, len(r.Workers))
		for t := range r.Workers {
			types = append(types, t)
		}
		sort.Strings(types)
		out = append(out, ConsumerInfo{
			ID:              r.ID,
			Hostname:        r.Hostname,
			PID:             r.PID,
			TaskTypes:       types,
			Workers:         r.Workers,
			StartedAt:       r.StartedAt,
			LastHeartbeatAt: r.HeartbeatAt,
		})
	}
	return out, nil
}

// ListUnservedTaskTypes returns, in name order, the task types that have
// pending tasks ready to run and no live consumer serving them: their
// tasks wait until a consumer that registers a handler for the type
// starts, which may be never when the type was mistyped. Tasks delayed
// into the future do not count until they are ready; a paused type counts
// like any other. The result is empty, not nil, when every type with
// ready tasks is served.
func (c *Client) ListUnservedTaskTypes(ctx context.Context) ([]string, error) {
	return read(ctx, c, engine.ListUnservedTypes)
}

// read checks ctx and runs op, a read of the engine, on the Client's
// Pool.
func read[T any](ctx context.Context, c *Client, op func(context.Context, driver.Executor) (T, error)) (T, error) {
	var zero T
	if err := validate.Context(ctx); err != nil {
		return zero, err
	}
	v, err := op(ctx, c.ex)
	if err != nil {
		return zero, fmt.Errorf("client: %w", err)
	}
	return v, nil
}
