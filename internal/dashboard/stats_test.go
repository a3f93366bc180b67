package dashboard

import "context"
import "encoding/json"
import "testing"
import "time"

import "github.com/yakser/asynqpg"

func TestStatsExactOnASmallTable(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	empty, err := f.svc.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(empty)
	if string(data) != `{"total":0,"by_status":{"cancelled":0,"completed":0,"failed":0,"pending":0,"running":0},"by_type":[]}` {
		t.Errorf("stats of an empty table: %s", data)
	}
	for range 2 {
		f.Enqueue(t, "b", `{}`)
	}
	f.SetStatus(t, f.Enqueue(t, "a", `{}`), "failed")
	got, err := f.svc.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Total != 3 || got.ByStatus["pending"] != 2 || got.ByStatus["failed"] != 1 {
		t.Fatalf("stats %+v", got)
	}
	if len(got.ByType) != 2 || got.ByType[0].Type != "a" || got.ByType[0].ByStatus["failed"] != 1 || got.ByType[1].Total != 2 {
		t.Fatalf("by type %+v", got.ByType)
	}
}

// TestStatsOnALargeTableAnswerFromACount forces the large-table path: the
// first answer comes from the planner's statistics, later ones from a
// background exact count, refreshed once it is older than MaxAge.
func TestStatsOnALargeTableAnswerFromACount(t *testing.T) {
	f := newFixture(t, Options{Stats: StatsOptions{ExactBelow: 1, MaxAge: time.Hour}})
	ctx := context.Background()
	if _, err := f.DB.Exec(`INSERT INTO asynqpg_tasks (type, payload, status)
		SELECT CASE WHEN g % 4 = 0 THEN 'report' ELSE 'email' END, '{}'::bytea, 'pending'
		FROM generate_series(1, 2000) g`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.DB.Exec(`ANALYZE asynqpg_tasks`); err != nil {
		t.Fatal(err)
	}
	first, err := f.svc.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.Total < 1900 || first.Total > 2100 || len(first.ByType) != 2 {
		t.Fatalf("estimate %+v, want about 2000 tasks of two types", first)
	}
	if err := f.svc.stats.wait(ctx); err != nil {
		t.Fatal(err)
	}
	f.Enqueue(t, "late", `{}`)
	cached, err := f.svc.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cached.Total != 2000 || cached.ByStatus["pending"] != 2000 || cached.ByType[1].Total != 500 {
		t.Fatalf("cached count %+v, want exactly the 2000 tasks counted", cached)
	}
	f.svc.stats.mu.Lock()
	f.svc.stats.readAt = time.Time{} // the count is now old
	f.svc.stats.mu.Unlock()
	if _, err := f.svc.Stats(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.stats.wait(ctx); err != nil {
		t.Fatal(err)
	}
	fresh, err := f.svc.Stats(ctx)
	if err != nil || fresh.Total != 2001 {
		t.Fatalf("refreshed count %+v, %v; want 2001", fresh.Total, err)
	}
}

// BenchmarkStats measures one /api/stats answer. Point it at a large
// table with ASYNQPG_STATS_BENCH_URL (a migrated database); without it, it
// runs on a fresh test database with 10,000 tasks.
func BenchmarkStats(b *testing.B) {
	ctx := context.Background()
	db := benchDB(b, `INSERT INTO asynqpg_tasks (type, payload, status)
		SELECT 'type' || (g % 7), '{}'::bytea, 'pending' FROM generate_series(1, 10000) g`)
	pool := asynqpg.WrapStdDB(db, "pgx")
	svc, err := New(pool, Options{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.Stats(ctx); err != nil { // starts the first count
		b.Fatal(err)
	}
	if err := svc.stats.wait(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := svc.Stats(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
