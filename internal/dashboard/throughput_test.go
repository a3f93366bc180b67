package dashboard

import "context"
import "sync"
import "testing"
import "time"

import "github.com/yakser/asynqpg/internal/engine"

// finalize inserts a task in status finalized ago before now by the
// database clock and returns the minute it was finalized in (UTC).
func (f *fixture) finalize(t *testing.T, status string, ago time.Duration) time.Time {
	t.Helper()
	var minute time.Time
	err := f.DB.QueryRow(`INSERT INTO asynqpg_tasks (type, payload, status, finalized_at)
		VALUES ('report', '{}'::bytea, $1, now() - make_interval(secs => $2))
		RETURNING date_trunc('minute', finalized_at)`, status, ago.Seconds()).Scan(&minute)
	if err != nil {
		t.Fatalf("insert a %s task: %v", status, err)
	}
	return minute.UTC()
}

func (f *fixture) dbMinute(t *testing.T) time.Time {
	t.Helper()
	now, err := engine.DatabaseNow(context.Background(), f.svc.ex)
	if err != nil {
		t.Fatal(err)
	}
	return now.Truncate(time.Minute)
}

// minuteAt returns the entry of got at minute m.
func minuteAt(t *testing.T, got Throughput, m time.Time) ThroughputMinute {
	t.Helper()
	for _, e := range got.Minutes {
		if e.At.Equal(m) {
			return e
		}
	}
	t.Fatalf("no minute %s in %v", m, got.Minutes)
	return ThroughputMinute{}
}

func (f *fixture) throughput(t *testing.T) Throughput {
	t.Helper()
	got, err := f.svc.Throughput(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// expire makes the next request count again.
func (f *fixture) expireThroughput() {
	f.svc.throughput.mu.Lock()
	f.svc.throughput.answered = time.Time{}
	f.svc.throughput.mu.Unlock()
}

func TestThroughputCountsCompletedAndFailedPerMinuteOnTheDatabaseClock(t *testing.T) {
	f := newFixture(t, Options{})
	type want struct{ completed, failed int64 }
	wants := map[time.Time]want{}
	add := func(status string, ago time.Duration) {
		m := f.finalize(t, status, ago)
		w := wants[m]
		switch status {
		case "completed":
			w.completed++
		case "failed":
			w.failed++
		}
		wants[m] = w
	}
	for _, row := range []struct {
		status string
		ago    time.Duration
	}{
		{"completed", 0}, {"completed", 0}, {"failed", 0},
		{"completed", 5 * time.Minute}, {"failed", 5 * time.Minute}, {"failed", 5 * time.Minute},
		{"cancelled", 5 * time.Minute}, // not counted
		{"completed", 30 * time.Minute},
		{"failed", 58 * time.Minute},
	} {
		add(row.status, row.ago)
	}
	f.finalize(t, "completed", 2*time.Hour) // out of the hour
	f.Enqueue(t, "report", `{}`)            // pending, never finalized

	before := f.dbMinute(t)
	got := f.throughput(t)
	after := f.dbMinute(t)

	if len(got.Minutes) != 60 || !got.Complete {
		t.Fatalf("%d minutes, complete %v; want 60, true", len(got.Minutes), got.Complete)
	}
	last := got.Minutes[59].At
	if !last.Equal(before) && !last.Equal(after) {
		t.Fatalf("last minute %s, want the database's current minute %s", last, before)
	}
	var total int64
	for i, e := range got.Minutes {
		if want := last.Add(time.Duration(i-59) * time.Minute); !e.At.Equal(want) || e.At.Location() != time.UTC {
			t.Fatalf("minute %d at %s, want %s UTC, one a minute, oldest first", i, e.At, want)
		}
		total += e.Completed + e.Failed
	}
	for m, w := range wants {
		e := minuteAt(t, got, m)
		if e.Completed != w.completed || e.Failed != w.failed {
			t.Errorf("minute %s: %d completed, %d failed; want %d, %d", m, e.Completed, e.Failed, w.completed, w.failed)
		}
	}
	if total != 8 {
		t.Errorf("%d tasks counted in all, want the 8 completed or failed in the hour", total)
	}
}

func TestThroughputIsCachedAndCountsOnlyNewMinutes(t *testing.T) {
	f := newFixture(t, Options{Throughput: ThroughputOptions{MaxAge: time.Hour}})
	now := f.finalize(t, "completed", 0)
	if got := minuteAt(t, f.throughput(t), now); got.Completed != 1 {
		t.Fatalf("first count: %+v", got)
	}
	now2 := f.finalize(t, "completed", 0)
	old := f.finalize(t, "failed", 20*time.Minute) // a minute counted already
	if got := minuteAt(t, f.throughput(t), now); got.Completed != 1 {
		t.Fatalf("within MaxAge the answer is the cached one: %+v", got)
	}
	f.expireThroughput()
	got := f.throughput(t)
	if e := minuteAt(t, got, now2); (now2.Equal(now) && e.Completed != 2) || (!now2.Equal(now) && e.Completed != 1) {
		t.Fatalf("recount of the current minute: %+v", got.Minutes[58:])
	}
	if e := minuteAt(t, got, old); e.Failed != 0 {
		t.Fatalf("minute %s was counted again: %+v", old, e)
	}
}

func TestThroughputOutOfTimeAnswersWhatIsCounted(t *testing.T) {
	f := newFixture(t, Options{Throughput: ThroughputOptions{CountTimeout: time.Nanosecond}})
	m := f.finalize(t, "completed", 10*time.Minute)
	got := f.throughput(t)
	if got.Complete || len(got.Minutes) != 60 || minuteAt(t, got, m).Completed != 0 {
		t.Fatalf("count out of time: complete %v, %d minutes", got.Complete, len(got.Minutes))
	}
	f.svc.throughput.opts.CountTimeout = time.Minute
	f.expireThroughput()
	got = f.throughput(t)
	if !got.Complete || minuteAt(t, got, m).Completed != 1 {
		t.Fatalf("next count: complete %v, minute %+v", got.Complete, minuteAt(t, got, m))
	}
	// Out of time again: the minutes counted before are still known.
	f.svc.throughput.opts.CountTimeout = time.Nanosecond
	f.expireThroughput()
	got = f.throughput(t)
	if got.Complete || minuteAt(t, got, m).Completed != 1 {
		t.Fatalf("count out of time after a full one: complete %v, minute %+v", got.Complete, minuteAt(t, got, m))
	}
}

func TestThroughputConcurrentRequestsShareOneCount(t *testing.T) {
	f := newFixture(t, Options{})
	m := f.finalize(t, "failed", 3*time.Minute)
	var wg sync.WaitGroup
	answers := make([]Throughput, 8)
	errs := make([]error, len(answers))
	for i := range answers {
		wg.Go(func() { answers[i], errs[i] = f.svc.Throughput(context.Background()) })
	}
	wg.Wait()
	for i, got := range answers {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if minuteAt(t, got, m).Failed != 1 || !got.Minutes[59].At.Equal(answers[0].Minutes[59].At) {
			t.Fatalf("answer %d differs: %+v", i, got.Minutes[59])
		}
	}
}
