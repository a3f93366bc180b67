package ui

import "encoding/json"
import "net/http"
import "testing"
import "time"

func TestThroughputRouteCountsTasksFinalizedInTheLastHour(t *testing.T) {
	f := newAPI(t, HandlerOpts{})
	for _, status := range []string{"completed", "completed", "failed", "cancelled"} {
		f.SetStatus(t, f.Enqueue(t, "email", `{}`), status)
	}
	f.Enqueue(t, "email", `{}`) // pending
	rec := f.do(t, "GET", testPrefix+"/api/throughput", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var got struct {
		Minutes []struct {
			At        string `json:"at"`
			Completed *int64 `json:"completed"`
			Failed    *int64 `json:"failed"`
		} `json:"minutes"`
		Complete *bool `json:"complete"`
	}
	if err := json.Unmarshal(decodeReply(t, rec).Data, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Minutes) != 60 || got.Complete == nil || !*got.Complete {
		t.Fatalf("%d minutes, complete %v: %s", len(got.Minutes), got.Complete, rec.Body)
	}
	var completed, failed int64
	var prev time.Time
	for i, m := range got.Minutes {
		at, err := time.Parse(time.RFC3339, m.At)
		if err != nil || m.Completed == nil || m.Failed == nil || at.Location() != time.UTC || at.Second() != 0 {
			t.Fatalf("minute %d: %+v (%v); want a whole UTC minute and both counts", i, m, err)
		}
		if i > 0 && at.Sub(prev) != time.Minute {
			t.Fatalf("minute %d at %s follows %s", i, at, prev)
		}
		prev = at
		completed += *m.Completed
		failed += *m.Failed
	}
	if completed != 2 || failed != 1 {
		t.Fatalf("%d completed, %d failed; want 2, 1", completed, failed)
	}
}
