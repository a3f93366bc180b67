package dashboard

import "context"
import "database/sql"
import "os"
import "testing"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/testdb"

// BenchmarkThroughput measures /api/throughput: "first", the first count
// of a Service (every minute of the hour); "next", a later count once the
// answer is older than MaxAge (the minutes not yet settled); "cached", an
// answer within MaxAge. Point it at a large table with
// ASYNQPG_STATS_BENCH_URL (a migrated database); without it, it runs on a
// fresh test database with 10,000 tasks finalized over the last hour.
func BenchmarkThroughput(b *testing.B) {
	ctx := context.Background()
	db := benchDB(b, `INSERT INTO asynqpg_tasks (type, payload, status, finalized_at)
		SELECT 'type', '{}'::bytea, CASE WHEN g % 10 = 0 THEN 'failed' ELSE 'completed' END,
			now() - make_interval(secs => g * 0.36)
		FROM generate_series(1, 10000) g`)
	pool := asynqpg.WrapStdDB(db, "pgx")
	service := func(b *testing.B) *Service {
		svc, err := New(pool, Options{})
		if err != nil {
			b.Fatal(err)
		}
		return svc
	}
	answer := func(b *testing.B, svc *Service) {
		t, err := svc.Throughput(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if !t.Complete {
			b.Fatal("the count ran out of time")
		}
	}
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			answer(b, service(b))
		}
	})
	b.Run("next", func(b *testing.B) {
		svc := service(b)
		answer(b, svc)
		for b.Loop() {
			svc.throughput.mu.Lock()
			svc.throughput.answer = nil
			svc.throughput.mu.Unlock()
			answer(b, svc)
		}
	})
	b.Run("cached", func(b *testing.B) {
		svc := service(b)
		answer(b, svc)
		for b.Loop() {
			answer(b, svc)
		}
	})
}

// benchDB opens the database of ASYNQPG_STATS_BENCH_URL (a migrated
// database) when it is set; else a fresh test database, filled by the
// statement seed.
func benchDB(b *testing.B, seed string) *sql.DB {
	b.Helper()
	if u := os.Getenv("ASYNQPG_STATS_BENCH_URL"); u != "" {
		db, err := sql.Open("pgx", u)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = db.Close() })
		return db
	}
	db := testdb.Open(b)
	if _, err := db.Exec(seed); err != nil {
		b.Fatal(err)
	}
	return db
}
