package asynqpgtest_test

import "context"
import "testing"
import "time"

import "github.com/jmoiron/sqlx"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/asynqpgtest"
import "github.com/yakser/asynqpg/internal/testdb"
import "github.com/yakser/asynqpg/producer"

func TestMain(m *testing.M) { testdb.MainWithURL(m) }

// fixture is a database with a producer on it.
type fixture struct {
	db *sqlx.DB
	p  *producer.Producer
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	db := sqlx.NewDb(testdb.Open(t), "pgx")
	p, err := producer.New(producer.Config{Pool: db})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{db: db, p: p}
}

// enqueue enqueues tasks through q, a transaction or the pool.
func (f fixture) enqueue(t *testing.T, tx *sqlx.Tx, tasks ...*asynqpg.Task) {
	t.Helper()
	for _, task := range tasks {
		var err error
		if tx != nil {
			_, err = f.p.EnqueueTx(context.Background(), tx, task)
		} else {
			_, err = f.p.Enqueue(context.Background(), task)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestRequireEnqueued(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enqueue(t, nil,
		asynqpg.NewTask("email", []byte(`{"to":"a@example.com","n":1}`)),
		asynqpg.NewTask("email", []byte(`{"to":"b@example.com"}`), asynqpg.WithMaxRetry(7), asynqpg.WithDelay(time.Hour)),
		asynqpg.NewTask("raw", []byte("not json")),
	)
	inAnHour := time.Now().Add(time.Hour)
	tests := []struct {
		name     string
		taskType string
		opts     *asynqpgtest.RequireOpts
		wantTo   string   // the payload of the task found, when it passes
		failure  []string // what the failure says, when it fails
	}{
		{name: "any of the type", taskType: "email", wantTo: `{"to":"a@example.com","n":1}`},
		{name: "payload as JSON", taskType: "email",
			opts:   &asynqpgtest.RequireOpts{Payload: []byte(` { "n": 1.0, "to": "a@example.com" }`)},
			wantTo: `{"to":"a@example.com","n":1}`},
		{name: "payload not JSON", taskType: "raw",
			opts: &asynqpgtest.RequireOpts{Payload: []byte("not json")}, wantTo: "not json"},
		{name: "max retry", taskType: "email",
			opts: &asynqpgtest.RequireOpts{MaxRetry: ptr(7)}, wantTo: `{"to":"b@example.com"}`},
		{name: "scheduled at", taskType: "email",
			opts: &asynqpgtest.RequireOpts{ScheduledAt: inAnHour}, wantTo: `{"to":"b@example.com"}`},
		{name: "all options", taskType: "email",
			opts:   &asynqpgtest.RequireOpts{Payload: []byte(`{"to":"b@example.com"}`), MaxRetry: ptr(7), ScheduledAt: inAnHour.Add(-900 * time.Millisecond)},
			wantTo: `{"to":"b@example.com"}`},
		{name: "no task of the type", taskType: "sms",
			failure: []string{`no task of type "sms" was enqueued; found no tasks`}},
		{name: "other payload", taskType: "email",
			opts: &asynqpgtest.RequireOpts{Payload: []byte(`{"to":"c@example.com"}`)},
			failure: []string{`no task of type "email" with payload {"to":"c@example.com"} was enqueued; found 2 task(s):`,
				`payload {"to":"a@example.com","n":1}, max retry 3`, `payload {"to":"b@example.com"}, max retry 7`}},
		{name: "other max retry", taskType: "email", opts: &asynqpgtest.RequireOpts{MaxRetry: ptr(4)},
			failure: []string{`with max retry 4 was enqueued`, `max retry 3`, `max retry 7`}},
		{name: "scheduled too late", taskType: "email",
			opts:    &asynqpgtest.RequireOpts{ScheduledAt: inAnHour.Add(2 * time.Second)},
			failure: []string{`with scheduled at`, `status pending`}},
		{name: "one option of several wrong", taskType: "email",
			opts:    &asynqpgtest.RequireOpts{Payload: []byte(`{"to":"b@example.com"}`), MaxRetry: ptr(3)},
			failure: []string{`with payload {"to":"b@example.com"}, max retry 3 was enqueued`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := record(t)
			got := asynqpgtest.RequireEnqueued(rec, f.db, tt.taskType, tt.opts)
			if tt.failure != nil {
				rec.requireFailed(t, tt.failure...)
				if got != nil {
					t.Errorf("returned %+v after failing, expected nil", got)
				}
				return
			}
			rec.requirePassed(t)
			if got == nil || string(got.Payload) != tt.wantTo || got.Type != tt.taskType || got.ID == 0 {
				t.Fatalf("returned %+v, expected the %s task with payload %s", got, tt.taskType, tt.wantTo)
			}
		})
	}
}

// A task enqueued in a transaction not yet committed is seen through the
// transaction, and not through the pool.
func TestRequireEnqueuedInsideTransaction(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tx, err := f.db.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	f.enqueue(t, tx, asynqpg.NewTask("report", []byte(`{"day":"monday"}`)))

	rec := record(t)
	got := asynqpgtest.RequireEnqueued(rec, tx, "report", &asynqpgtest.RequireOpts{Payload: []byte(`{"day":"monday"}`)})
	rec.requirePassed(t)
	if got == nil || got.AttemptsLeft != producer.DefaultMaxRetry {
		t.Fatalf("returned %+v", got)
	}

	rec = record(t)
	asynqpgtest.RequireNotEnqueued(rec, f.db, "report", nil)
	rec.requirePassed(t)

	rec = record(t)
	asynqpgtest.RequireEnqueued(rec, f.db, "report", nil)
	rec.requireFailed(t, `no task of type "report" was enqueued; found no tasks`)
}

func TestRequireNotEnqueued(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enqueue(t, nil, asynqpg.NewTask("email", []byte(`{"to":"a@example.com"}`)))
	tests := []struct {
		name     string
		taskType string
		opts     *asynqpgtest.RequireOpts
		failure  []string
	}{
		{name: "other type", taskType: "sms"},
		{name: "other payload", taskType: "email", opts: &asynqpgtest.RequireOpts{Payload: []byte(`{"to":"b@example.com"}`)}},
		{name: "other max retry", taskType: "email", opts: &asynqpgtest.RequireOpts{MaxRetry: ptr(1)}},
		{name: "any of the type", taskType: "email",
			failure: []string{`expected no task of type "email"; found 1 task(s):`, `payload {"to":"a@example.com"}`}},
		{name: "same payload", taskType: "email", opts: &asynqpgtest.RequireOpts{Payload: []byte(`{ "to" : "a@example.com" }`)},
			failure: []string{`expected no task of type "email" with payload { "to" : "a@example.com" }; found 1 task(s):`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := record(t)
			asynqpgtest.RequireNotEnqueued(rec, f.db, tt.taskType, tt.opts)
			if tt.failure != nil {
				rec.requireFailed(t, tt.failure...)
				return
			}
			rec.requirePassed(t)
		})
	}
}

func TestRequireManyEnqueued(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enqueue(t, nil,
		asynqpg.NewTask("a", []byte(`1`)),
		asynqpg.NewTask("b", []byte(`2`)),
		asynqpg.NewTask("a", []byte(`3`), asynqpg.WithMaxRetry(1)),
		asynqpg.NewTask("other", []byte(`4`)),
	)
	payload := func(p string) *asynqpgtest.RequireOpts { return &asynqpgtest.RequireOpts{Payload: []byte(p)} }
	tests := []struct {
		name     string
		expected []asynqpgtest.ExpectedTask
		failure  []string
	}{
		{name: "in order", expected: []asynqpgtest.ExpectedTask{
			{Type: "a", Opts: payload(`1`)}, {Type: "b"}, {Type: "a", Opts: &asynqpgtest.RequireOpts{MaxRetry: ptr(1)}}}},
		{name: "one type", expected: []asynqpgtest.ExpectedTask{{Type: "a"}, {Type: "a", Opts: payload(`3`)}}},
		{name: "out of order", expected: []asynqpgtest.ExpectedTask{{Type: "b"}, {Type: "a"}, {Type: "a"}},
			failure: []string{`task 0: expected type "b", got "a"; found 3 task(s):`}},
		{name: "too few expected", expected: []asynqpgtest.ExpectedTask{{Type: "a"}, {Type: "b"}},
			failure: []string{`expected 2 tasks of types ["a" "b"]; found 3 task(s):`}},
		{name: "too many expected", expected: []asynqpgtest.ExpectedTask{{Type: "b"}, {Type: "b"}},
			failure: []string{`expected 2 tasks of types ["b"]; found 1 task(s):`}},
		{name: "wrong payload", expected: []asynqpgtest.ExpectedTask{{Type: "a"}, {Type: "a", Opts: payload(`1`)}},
			failure: []string{`task 1 of type "a": payload is 3, expected 1; found 2 task(s):`}},
		{name: "none", failure: []string{`needs at least one expected task`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := record(t)
			got := asynqpgtest.RequireManyEnqueued(rec, f.db, tt.expected)
			if tt.failure != nil {
				rec.requireFailed(t, tt.failure...)
				if got != nil {
					t.Errorf("returned %d tasks after failing, expected nil", len(got))
				}
				return
			}
			rec.requirePassed(t)
			if len(got) != len(tt.expected) {
				t.Fatalf("returned %d tasks, expected %d", len(got), len(tt.expected))
			}
			for i, info := range got {
				if info.Type != tt.expected[i].Type || (i > 0 && info.ID <= got[i-1].ID) {
					t.Errorf("task %d is %+v", i, info)
				}
			}
		})
	}
}

// A database that cannot be read fails the check with the reason.
func TestRequireEnqueuedDatabaseError(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if err := f.db.Close(); err != nil {
		t.Fatal(err)
	}
	rec := record(t)
	asynqpgtest.RequireEnqueued(rec, f.db, "email", nil)
	rec.requireFailed(t, `asynqpgtest: reading tasks of types ["email"]:`, "closed")

	rec = record(t)
	asynqpgtest.RequireNotEnqueued(rec, nil, "email", nil)
	rec.requireFailed(t, `asynqpgtest: db:`)
}
