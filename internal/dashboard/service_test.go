package dashboard

import "context"
import "encoding/json"
import "errors"
import "net/http"
import "strings"
import "testing"

import "github.com/yakser/asynqpg/internal/testdb"
import "github.com/yakser/asynqpg/internal/testfixture"
import "github.com/yakser/asynqpg/internal/testfixture/taskdb"

func TestMain(m *testing.M) { testdb.Main(m) }

// fixture is a Service on a fresh database with a producer to seed it.
type fixture struct {
	*taskdb.Tasks
	svc *Service
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	tasks := taskdb.Open(t)
	svc, err := New(tasks.Pool, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &fixture{Tasks: tasks, svc: svc}
}

func wantCode(t *testing.T, err error, status int, code string) {
	t.Helper()
	var apiErr *Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v, want an *Error with code %s", err, code)
	}
	if apiErr.Status != status || apiErr.Code != code {
		t.Fatalf("error %d %s (%s), want %d %s", apiErr.Status, apiErr.Code, apiErr.Message, status, code)
	}
}

func TestActionsFollowTheClientsRules(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	type action func(context.Context, int64) (TaskDetail, error)
	tests := []struct {
		name   string
		from   string
		act    action
		to     string
		status int
		code   string
	}{
		{"retry failed", "failed", f.svc.Retry, "pending", 0, ""},
		{"retry pending", "pending", f.svc.Retry, "pending", http.StatusConflict, CodeTaskAlreadyAvailable},
		{"retry running", "running", f.svc.Retry, "running", http.StatusConflict, CodeTaskRunning},
		{"retry completed", "completed", f.svc.Retry, "completed", http.StatusConflict, CodeTaskAlreadyFinalized},
		{"cancel pending", "pending", f.svc.Cancel, "cancelled", 0, ""},
		{"cancel completed", "completed", f.svc.Cancel, "completed", http.StatusConflict, CodeTaskAlreadyFinalized},
		{"delete failed", "failed", f.svc.Delete, "deleted", 0, ""},
		{"delete running", "running", f.svc.Delete, "running", http.StatusConflict, CodeTaskRunning},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := f.Enqueue(t, "email", `{"n":1}`)
			if tt.from != "pending" {
				f.SetStatus(t, id, tt.from)
			}
			got, err := tt.act(ctx, id)
			if tt.code != "" {
				wantCode(t, err, tt.status, tt.code)
			} else if err != nil || got.ID != id {
				t.Fatalf("got %+v, %v", got, err)
			}
			if s := f.Status(t, id); s != tt.to {
				t.Fatalf("task is %s, want %s", s, tt.to)
			}
		})
	}
	for name, act := range map[string]action{"get": f.svc.Get, "retry": f.svc.Retry, "cancel": f.svc.Cancel, "delete": f.svc.Delete} {
		_, err := act(ctx, testfixture.MissingID)
		if err == nil {
			t.Fatalf("%s of a missing task succeeded", name)
		}
		wantCode(t, err, http.StatusNotFound, CodeTaskNotFound)
	}
}

func TestHiddenPayloadStaysHiddenInActions(t *testing.T) {
	f := newFixture(t, Options{HidePayload: true})
	ctx := context.Background()
	for name, act := range map[string]func(context.Context, int64) (TaskDetail, error){
		"get": f.svc.Get, "retry": f.svc.Retry, "cancel": f.svc.Cancel, "delete": f.svc.Delete,
	} {
		id := f.Enqueue(t, "secret", `{"card":"4111"}`)
		f.SetStatus(t, id, "failed")
		got, err := act(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		data, _ := json.Marshal(got)
		if got.Payload != nil || strings.Contains(string(data), "4111") || got.PayloadSize != len(`{"card":"4111"}`) {
			t.Errorf("%s shows the hidden payload: %s", name, data)
		}
	}
	id := f.Enqueue(t, "secret", `{"card":"4111"}`)
	raw, err := f.svc.Payload(ctx, id)
	if err != nil || string(raw) != `{"card":"4111"}` {
		t.Fatalf("Payload = %q, %v", raw, err)
	}
}

func TestBulkActionsSelectByTypeOrIDs(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	var emails, reports []int64
	for range 3 {
		id := f.Enqueue(t, "email", `{}`)
		f.SetStatus(t, id, "failed")
		emails = append(emails, id)
		id = f.Enqueue(t, "report", `{}`)
		f.SetStatus(t, id, "failed")
		reports = append(reports, id)
	}
	other := f.Enqueue(t, "email", `{}`) // pending: never touched

	res, err := f.svc.BulkRetry(ctx, BulkRequest{}.WithIDs(emails[0], reports[0], other))
	if err != nil || res.Affected != 2 {
		t.Fatalf("bulk retry by ids = %+v, %v; want 2", res, err)
	}
	if f.Status(t, emails[1]) != "failed" || f.Status(t, emails[0]) != "pending" {
		t.Fatal("bulk retry by ids touched other tasks")
	}
	res, err = f.svc.BulkRetry(ctx, BulkRequest{}.WithIDs())
	if err != nil || res.Affected != 0 {
		t.Fatalf("bulk retry of no ids = %+v, %v", res, err)
	}
	typ := "report"
	res, err = f.svc.BulkDelete(ctx, BulkRequest{Type: &typ})
	if err != nil || res.Affected != 2 {
		t.Fatalf("bulk delete by type = %+v, %v; want 2", res, err)
	}
	res, err = f.svc.BulkDelete(ctx, BulkRequest{})
	if err != nil || res.Affected != 2 {
		t.Fatalf("bulk delete of all failed = %+v, %v; want 2", res, err)
	}
	if f.Status(t, other) != "pending" || f.Status(t, emails[0]) != "pending" {
		t.Fatal("bulk delete touched a task that was not failed")
	}
}

func TestListFiltersAndShapes(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	a := f.Enqueue(t, "email", `{"x":1}`)
	b := f.Enqueue(t, "report", `{}`)
	f.SetStatus(t, b, "failed")
	f.Enqueue(t, "email", `{}`)

	tests := []struct {
		query string
		want  []int64
		total int
	}{
		{"status=failed", []int64{b}, 1},
		{"type=email&limit=1", []int64{a}, 2},
		{"id=" + itoa(b) + "," + itoa(a) + "&order=desc", []int64{b, a}, 2},
		{"type=nothing", []int64{}, 0},
	}
	for _, tt := range tests {
		q, err := ParseListQuery(mustQuery(t, tt.query))
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.List(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", tt.query, err)
		}
		ids := []int64{}
		for _, task := range got.Tasks {
			ids = append(ids, task.ID)
		}
		if !equalIDs(ids, tt.want) || got.Total != tt.total {
			t.Errorf("%s: ids %v total %d, want %v %d", tt.query, ids, got.Total, tt.want, tt.total)
		}
	}
	list, _ := f.svc.List(ctx, ListQuery{Limit: 1, OrderBy: "id", OrderDir: "ASC"})
	data, _ := json.Marshal(list)
	const wantKeys = `{"tasks":[{"id":%d,"type":"email","status":"pending","idempotency_token":null,"messages":[],"blocked_till":`
	if !strings.HasPrefix(string(data), strings.Replace(wantKeys, "%d", itoa(a), 1)) || !strings.Contains(string(data), `"payload_size":7,"priority":0}],"total":3}`) {
		t.Errorf("list JSON %s", data)
	}
	types, err := f.svc.TaskTypes(ctx)
	if err != nil || strings.Join(types, ",") != "email,report" {
		t.Errorf("task types %v, %v", types, err)
	}
	leader, err := f.svc.Leader(ctx)
	if err != nil || leader != (Leader{}) {
		t.Errorf("leader with no consumer: %+v, %v", leader, err)
	}
}
