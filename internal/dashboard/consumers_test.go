package dashboard

import "context"
import "encoding/json"
import "errors"
import "net/http"
import "slices"
import "strings"
import "testing"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/internal/testfixture/testconsumer"
import "github.com/yakser/asynqpg/internal/validate"

// startConsumer starts a consumer serving types, two workers each, and
// stops it at the end of the test.
func (f *fixture) startConsumer(t *testing.T, id string, types ...string) *consumer.Consumer {
	t.Helper()
	return testconsumer.Start(t, asynqpg.WrapStdDB(f.DB, "pgx"), id, 100*time.Millisecond, testconsumer.Workers(2, types...))
}

func TestConsumersAndUnservedTypes(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	none, err := f.svc.Consumers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := json.Marshal(none); string(data) != "[]" {
		t.Fatalf("no consumer: %s, want []", data)
	}
	f.Enqueue(t, "email", `{}`)
	f.Enqueue(t, "emial", `{}`)
	c := f.startConsumer(t, "worker-1", "email", "sms")
	got, err := f.svc.Consumers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "worker-1" || !slices.Equal(got[0].TaskTypes, []string{"email", "sms"}) || got[0].Workers["sms"] != 2 {
		t.Fatalf("consumers %+v", got)
	}
	unserved, err := f.svc.UnservedTypes(ctx)
	if err != nil || !slices.Equal(unserved, []string{"emial"}) {
		t.Fatalf("unserved %v, %v; want [emial]", unserved, err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if got, err := f.svc.Consumers(ctx); err != nil || len(got) != 0 {
		t.Fatalf("after stop: %+v, %v", got, err)
	}
}

func TestPauseAndResume(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	cl, err := client.New(client.Config{Pool: asynqpg.WrapStdDB(f.DB, "pgx")})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		do     func(context.Context, string) (TypeState, error)
		typ    string
		want   string // JSON of the answer
		paused []string
	}{
		{"pause", f.svc.Pause, "email", `{"type":"email","paused":true}`, []string{"email"}},
		{"pause again", f.svc.Pause, "email", `{"type":"email","paused":true}`, []string{"email"}},
		{"pause a type without tasks", f.svc.Pause, "ghost", `{"type":"ghost","paused":true}`, []string{"email", "ghost"}},
		{"resume", f.svc.Resume, "email", `{"type":"email","paused":false}`, []string{"ghost"}},
		{"resume again", f.svc.Resume, "email", `{"type":"email","paused":false}`, []string{"ghost"}},
	}
	for _, st := range steps {
		got, err := st.do(ctx, st.typ)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if data, _ := json.Marshal(got); string(data) != st.want {
			t.Errorf("%s: %s, want %s", st.name, data, st.want)
		}
		paused, err := cl.ListPausedTaskTypes(ctx)
		if err != nil || !slices.Equal(paused, st.paused) {
			t.Fatalf("%s: paused %v, %v; want %v", st.name, paused, err, st.paused)
		}
	}
}

func TestPauseRefusesABadType(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	for _, tt := range []struct{ name, typ, want string }{
		{"empty", "", "empty"},
		{"too long", strings.Repeat("x", validate.MaxTypeLength+1), "1025 bytes"},
		{"NUL byte", "a\x00b", `"a\x00b"`},
		{"not UTF-8", "a\xffb", `"a\xffb"`},
	} {
		for verb, do := range map[string]func(context.Context, string) (TypeState, error){"pause": f.svc.Pause, "resume": f.svc.Resume} {
			t.Run(verb+" "+tt.name, func(t *testing.T) {
				_, err := do(ctx, tt.typ)
				var e *Error
				if !errors.As(err, &e) || e.Status != http.StatusBadRequest || e.Code != CodeInvalidParams ||
					!strings.Contains(e.Message, tt.want) || !strings.Contains(e.Message, verb) {
					t.Fatalf("%s(%q) = %v, want invalid_params naming %s", verb, tt.typ, err, tt.want)
				}
			})
		}
	}
	if paused, err := f.svc.Stats(ctx); err != nil || len(paused.ByType) != 0 {
		t.Fatalf("a refused pause left %+v, %v", paused.ByType, err)
	}
}

func TestStatsMarksPausedAndUnservedTypes(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	f.Enqueue(t, "email", `{}`)
	f.Enqueue(t, "report", `{}`)
	if _, err := f.Producer.Enqueue(ctx, asynqpg.NewTask("later", []byte(`{}`), asynqpg.WithDelay(time.Hour))); err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"report", "idle"} {
		if _, err := f.svc.Pause(ctx, typ); err != nil {
			t.Fatal(err)
		}
	}
	f.startConsumer(t, "worker-1", "report") // serves report, claims none while it is paused
	st, err := f.svc.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		typ              string
		total            int64
		paused, unserved bool
	}
	var got []row
	for _, ts := range st.ByType {
		got = append(got, row{ts.Type, ts.Total, ts.Paused, ts.Unserved})
	}
	want := []row{
		{"email", 1, false, true},  // ready and nobody serves it
		{"idle", 0, true, false},   // paused without tasks: listed so it can be resumed
		{"later", 1, false, false}, // delayed: not ready yet
		{"report", 1, true, false}, // served, though paused
	}
	if !slices.Equal(got, want) || st.Total != 3 {
		t.Fatalf("by type %+v (total %d), want %+v (total 3)", got, st.Total, want)
	}
	if data, _ := json.Marshal(st.ByType[1]); !strings.Contains(string(data), `"by_status":{"cancelled":0,`) ||
		!strings.HasSuffix(string(data), `"paused":true,"unserved":false}`) {
		t.Errorf("a paused type without tasks: %s", data)
	}
	types, err := f.svc.TaskTypes(ctx)
	if err != nil || !slices.Equal(types, []string{"email", "later", "report"}) {
		t.Fatalf("task types %v, %v; want the types with tasks", types, err)
	}
}
