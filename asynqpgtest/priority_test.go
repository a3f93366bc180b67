package asynqpgtest_test

import "context"
import "testing"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/asynqpgtest"
import "github.com/yakser/asynqpg/consumer"

// RequireOpts.Priority matches the priority a task was enqueued with, in
// every check, and a failure names the priorities found.
func TestRequireOptsPriority(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enqueue(t, nil,
		asynqpg.NewTask("report", []byte(`{"n":1}`)),
		asynqpg.NewTask("report", []byte(`{"n":2}`), asynqpg.WithPriority(50)),
		asynqpg.NewTask("report", []byte(`{"n":3}`), asynqpg.WithPriority(-100)),
	)
	tests := []struct {
		name    string
		check   func(tb testing.TB)
		failure []string // nil when the check passes
	}{
		{name: "enqueued with priority 50", check: func(tb testing.TB) {
			got := asynqpgtest.RequireEnqueued(tb, f.db, "report", &asynqpgtest.RequireOpts{Priority: ptr(50)})
			if got != nil && (string(got.Payload) != `{"n":2}` || got.Priority != 50) {
				t.Errorf("found %+v, want the task of priority 50", got)
			}
		}},
		{name: "default priority 0 with payload", check: func(tb testing.TB) {
			asynqpgtest.RequireEnqueued(tb, f.db, "report", &asynqpgtest.RequireOpts{Payload: []byte(`{"n": 1}`), Priority: ptr(0)})
		}},
		{name: "no task of priority 10", check: func(tb testing.TB) {
			asynqpgtest.RequireEnqueued(tb, f.db, "report", &asynqpgtest.RequireOpts{Priority: ptr(10)})
		}, failure: []string{`no task of type "report" with priority 10 was enqueued`, "priority 0,", "priority 50,", "priority -100,"}},
		{name: "payload right, priority wrong", check: func(tb testing.TB) {
			asynqpgtest.RequireEnqueued(tb, f.db, "report", &asynqpgtest.RequireOpts{Payload: []byte(`{"n":2}`), Priority: ptr(0)})
		}, failure: []string{`with payload {"n":2}, priority 0 was enqueued`}},
		{name: "not enqueued with priority 10", check: func(tb testing.TB) {
			asynqpgtest.RequireNotEnqueued(tb, f.db, "report", &asynqpgtest.RequireOpts{Priority: ptr(10)})
		}},
		{name: "not enqueued with priority -100 fails", check: func(tb testing.TB) {
			asynqpgtest.RequireNotEnqueued(tb, f.db, "report", &asynqpgtest.RequireOpts{Priority: ptr(-100)})
		}, failure: []string{`expected no task of type "report" with priority -100`, `payload {"n":3}`}},
		{name: "many in order", check: func(tb testing.TB) {
			asynqpgtest.RequireManyEnqueued(tb, f.db, []asynqpgtest.ExpectedTask{
				{Type: "report", Opts: &asynqpgtest.RequireOpts{Priority: ptr(0)}},
				{Type: "report", Opts: &asynqpgtest.RequireOpts{Priority: ptr(50)}},
				{Type: "report", Opts: &asynqpgtest.RequireOpts{Priority: ptr(-100)}},
			})
		}},
		{name: "many with a wrong priority", check: func(tb testing.TB) {
			asynqpgtest.RequireManyEnqueued(tb, f.db, []asynqpgtest.ExpectedTask{
				{Type: "report"},
				{Type: "report", Opts: &asynqpgtest.RequireOpts{Priority: ptr(49)}},
				{Type: "report"},
			})
		}, failure: []string{`task 1 of type "report": priority is 50, expected 49`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := record(t)
			tt.check(rec)
			if tt.failure == nil {
				rec.requirePassed(t)
				return
			}
			rec.requireFailed(t, tt.failure...)
		})
	}
}

// Work hands the handler the task's priority, as a consumer does.
func TestWorkPassesThePriority(t *testing.T) {
	t.Parallel()
	for _, p := range []int{asynqpg.MinPriority, 0, 7, asynqpg.MaxPriority} {
		var seen int
		h := consumer.TaskHandlerFunc(func(_ context.Context, ti *asynqpg.TaskInfo) error {
			seen = ti.Priority
			return nil
		})
		res, err := asynqpgtest.Work(context.Background(), h, asynqpg.NewTask("report", []byte(`{}`), asynqpg.WithPriority(p)))
		if err != nil || res.Outcome != asynqpgtest.OutcomeCompleted || seen != p {
			t.Fatalf("priority %d: handler saw %d; result %+v, %v", p, seen, res, err)
		}
	}
}
