package asynqpgtest

import "bytes"
import "context"
import "encoding/json"
import "fmt"
import "reflect"
import "strings"
import "testing"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/engine"

// ScheduledAtTolerance is how far a task's scheduled time may be from
// RequireOpts.ScheduledAt and still match.
const ScheduledAtTolerance = time.Second

// maxListed is the most tasks of the checked types a check reads.
const maxListed = 1000

// queryTimeout bounds the query of one check.
const queryTimeout = 30 * time.Second

// RequireOpts narrows the tasks a check matches. Zero fields match any
// task.
type RequireOpts struct {
	// Payload, when not nil, must equal the task's payload: compared as
	// JSON values when both are JSON (so key order and spacing do not
	// matter), byte for byte otherwise.
	Payload []byte
	// Priority, when not nil, must equal the task's priority
	// (asynqpg.WithPriority).
	Priority *int
	// MaxRetry, when not nil, must equal the number of attempts the task
	// was enqueued with.
	MaxRetry *int
	// ScheduledAt, when not zero, must be within ScheduledAtTolerance of
	// the time the task is ready to run.
	ScheduledAt time.Time
}

// ExpectedTask is one task RequireManyEnqueued expects.
type ExpectedTask struct {
	// Type is the task's type.
	Type string
	// Opts narrows what matches; nil matches any task of Type.
	Opts *RequireOpts
}

// RequireEnqueued checks that a task of taskType matching opts (nil
// matches any) is in the database seen through db, and returns the first
// such task, in the order enqueued. Otherwise it fails t with the tasks
// of taskType it found, and returns nil.
func RequireEnqueued(t testing.TB, db asynqpg.Querier, taskType string, opts *RequireOpts) *asynqpg.TaskInfo {
	t.Helper()
	rows, ok := listTypes(t, db, taskType)
	if !ok {
		return nil
	}
	for _, r := range rows {
		if opts.mismatch(r) == "" {
			return r.Info()
		}
	}
	t.Fatalf("asynqpgtest: no task of type %q%s was enqueued; found %s", taskType, opts.describe(), describeRows(rows))
	return nil
}

// RequireNotEnqueued checks that no task of taskType matching opts (nil
// matches any) is in the database seen through db. Otherwise it fails t
// with the tasks that match.
func RequireNotEnqueued(t testing.TB, db asynqpg.Querier, taskType string, opts *RequireOpts) {
	t.Helper()
	rows, ok := listTypes(t, db, taskType)
	if !ok {
		return
	}
	var found []*engine.TaskRow
	for _, r := range rows {
		if opts.mismatch(r) == "" {
			found = append(found, r)
		}
	}
	if len(found) > 0 {
		t.Fatalf("asynqpgtest: expected no task of type %q%s; found %s", taskType, opts.describe(), describeRows(found))
	}
}

// RequireManyEnqueued checks that the tasks of the types named in
// expected are, in the order enqueued, exactly the tasks expected: as
// many, and each matching its ExpectedTask. It returns them; otherwise it
// fails t with the tasks it found, and returns nil.
func RequireManyEnqueued(t testing.TB, db asynqpg.Querier, expected []ExpectedTask) []*asynqpg.TaskInfo {
	t.Helper()
	if len(expected) == 0 {
		t.Fatalf("asynqpgtest: RequireManyEnqueued needs at least one expected task")
		return nil
	}
	types := make([]string, 0, len(expected))
	seen := map[string]bool{}
	for _, e := range expected {
		if !seen[e.Type] {
			seen[e.Type] = true
			types = append(types, e.Type)
		}
	}
	rows, ok := listTypes(t, db, types...)
	if !ok {
		return nil
	}
	if len(rows) != len(expected) {
		t.Fatalf("asynqpgtest: expected %d tasks of types %q; found %s", len(expected), types, describeRows(rows))
		return nil
	}
	infos := make([]*asynqpg.TaskInfo, len(rows))
	for i, r := range rows {
		if r.Type != expected[i].Type {
			t.Fatalf("asynqpgtest: task %d: expected type %q, got %q; found %s", i, expected[i].Type, r.Type, describeRows(rows))
			return nil
		}
		if why := expected[i].Opts.mismatch(r); why != "" {
			t.Fatalf("asynqpgtest: task %d of type %q: %s; found %s", i, r.Type, why, describeRows(rows))
			return nil
		}
		infos[i] = r.Info()
	}
	return infos
}

// listTypes reads the tasks of types through db in the order enqueued; it
// fails t and reports false when it cannot.
func listTypes(t testing.TB, db asynqpg.Querier, types ...string) ([]*engine.TaskRow, bool) {
	t.Helper()
	ex, err := driver.Resolve(db)
	if err != nil {
		t.Fatalf("asynqpgtest: db: %v", err)
		return nil, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	rows, _, err := engine.ListTasks(ctx, ex, engine.ListQuery{Types: types, OrderBy: engine.ListOrderID, Limit: maxListed})
	if err != nil {
		t.Fatalf("asynqpgtest: reading tasks of types %q: %v", types, err)
		return nil, false
	}
	return rows, true
}

// mismatch says why r does not match o, or returns "" when it does.
func (o *RequireOpts) mismatch(r *engine.TaskRow) string {
	if o == nil {
		return ""
	}
	if o.Payload != nil && !samePayload(o.Payload, r.Payload) {
		return fmt.Sprintf("payload is %s, expected %s", r.Payload, o.Payload)
	}
	if o.Priority != nil && r.Priority != *o.Priority {
		return fmt.Sprintf("priority is %d, expected %d", r.Priority, *o.Priority)
	}
	if o.MaxRetry != nil && maxRetry(r) != *o.MaxRetry {
		return fmt.Sprintf("max retry is %d, expected %d", maxRetry(r), *o.MaxRetry)
	}
	if !o.ScheduledAt.IsZero() {
		if d := r.BlockedTill.Sub(o.ScheduledAt).Abs(); d > ScheduledAtTolerance {
			return fmt.Sprintf("scheduled at %s, expected %s (±%s)", r.BlockedTill.UTC().Format(time.RFC3339Nano),
				o.ScheduledAt.UTC().Format(time.RFC3339Nano), ScheduledAtTolerance)
		}
	}
	return ""
}

// describe is o as the text after a task type in a failure message.
func (o *RequireOpts) describe() string {
	if o == nil {
		return ""
	}
	var parts []string
	if o.Payload != nil {
		parts = append(parts, fmt.Sprintf("payload %s", o.Payload))
	}
	if o.Priority != nil {
		parts = append(parts, fmt.Sprintf("priority %d", *o.Priority))
	}
	if o.MaxRetry != nil {
		parts = append(parts, fmt.Sprintf("max retry %d", *o.MaxRetry))
	}
	if !o.ScheduledAt.IsZero() {
		parts = append(parts, "scheduled at "+o.ScheduledAt.UTC().Format(time.RFC3339Nano))
	}
	if len(parts) == 0 {
		return ""
	}
	return " with " + strings.Join(parts, ", ")
}

// describeRows lists rows for a failure message.
func describeRows(rows []*engine.TaskRow) string {
	if len(rows) == 0 {
		return "no tasks"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d task(s):", len(rows))
	for _, r := range rows {
		fmt.Fprintf(&b, "\n\tid %d, type %q, status %s, payload %s, max retry %d, priority %d, scheduled at %s",
			r.ID, r.Type, r.Status, r.Payload, maxRetry(r), r.Priority, r.BlockedTill.UTC().Format(time.RFC3339Nano))
	}
	if len(rows) == maxListed {
		fmt.Fprintf(&b, "\n\t(only the first %d are read)", maxListed)
	}
	return b.String()
}

// maxRetry is the number of attempts r was enqueued with.
func maxRetry(r *engine.TaskRow) int { return r.AttemptsLeft + r.AttemptsElapsed }

// samePayload compares payloads as JSON values when both are JSON, byte
// for byte otherwise.
func samePayload(want, got []byte) bool {
	var w, g any
	if json.Unmarshal(want, &w) == nil && json.Unmarshal(got, &g) == nil {
		return reflect.DeepEqual(w, g)
	}
	return bytes.Equal(want, got)
}
