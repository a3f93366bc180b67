package reliability

import "bytes"
import "context"
import "errors"
import "math"
import "slices"
import "strings"
import "testing"
import "time"
import "unicode/utf8"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/driver"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
import "github.com/yakser/asynqpg/internal/engine"
import "github.com/yakser/asynqpg/internal/testdb"
import "github.com/yakser/asynqpg/producer"

// The fuzz targets of scenario 12. `go test` runs their seed corpora;
// `make fuzz-short` (part of `make test`) fuzzes each briefly:
//
//	go test -run='^$' -fuzz='^FuzzTaskValidation$' -fuzztime=10s ./reliability
//
// Pass: no panic; every input is either accepted and reads back unchanged,
// or rejected with a typed error before any statement runs; and every
// statement run is one of the engine's fixed statements (no SQL is built
// from input).

// fuzzDB is a fuzz target's database: a pgx pool through a recording
// Executor, a producer and a client on it.
type fuzzDB struct {
	rec  *recorder
	pool asynqpg.Pool
	prod *producer.Producer
	cl   *client.Client
	// insert is the statement text of a single enqueue.
	insert string
}

func newFuzzDB(f *testing.F) *fuzzDB {
	f.Helper()
	u := testdb.URL(f)
	db := &fuzzDB{rec: &recorder{}}
	db.pool = newRecordPool(f, pgxv5driver.New(openPool(f, u, "reliability-fuzz")), db.rec)
	var err error
	db.prod, err = producer.New(producer.Config{Pool: db.pool})
	require.NoError(f, err)
	db.cl, err = client.New(client.Config{Pool: db.pool})
	require.NoError(f, err)
	_, err = db.prod.Enqueue(context.Background(), asynqpg.NewTask("fuzz-reference", []byte{}))
	require.NoError(f, err)
	sqls := db.rec.take()
	require.NotEmpty(f, sqls)
	db.insert = sqls[0]
	return db
}

// requireOnly requires every statement in sqls to be one of allowed.
func requireOnly(t *testing.T, sqls []string, allowed ...string) {
	t.Helper()
	for _, s := range sqls {
		require.True(t, slices.Contains(allowed, s), "a statement that is none of the engine's fixed statements ran:\n%s", s)
	}
}

func FuzzTaskValidation(f *testing.F) {
	f.Add("email:send", []byte("hello"), false, int64(0), 3, "", false)
	f.Add("", []byte{}, false, int64(0), 1, "", false)
	f.Add("nil-payload", []byte{}, true, int64(0), 1, "", false)
	f.Add("negative-delay", []byte{1}, false, int64(-1), 1, "", false)
	f.Add("negative-retry", []byte{1}, false, int64(0), -1, "", false)
	f.Add("empty-token", []byte{1}, false, int64(0), 1, "", true)
	f.Add("token", []byte{1}, false, int64(time.Hour), 0, "tok'en\"; --", true)
	f.Add(strings.Repeat("t", producer.MaxTypeLength+1), []byte{1}, false, int64(0), 1, "", false)
	f.Add("'; DROP TABLE asynqpg_tasks; --", []byte("$1"), false, int64(math.MaxInt64), math.MaxInt32, "x", true)
	f.Add("huge-retry", []byte{}, false, int64(0), math.MaxInt32+1, "", false)
	// Text PostgreSQL cannot store: invalid UTF-8, NUL bytes.
	f.Add("\x93", []byte{}, false, int64(0), 1, "", false)
	f.Add("nul\x00type", []byte{}, false, int64(0), 1, "", false)
	f.Add("bad-token", []byte{}, false, int64(0), 1, "\xff\x00", true)
	db := newFuzzDB(f)
	f.Fuzz(func(t *testing.T, typ string, payload []byte, nilPayload bool, delay int64, maxRetry int, token string, useToken bool) {
		ctx := context.Background()
		task := asynqpg.NewTask(typ, payload)
		if nilPayload {
			task.Payload = nil
		} else if task.Payload == nil {
			task.Payload = []byte{}
		}
		opts := []producer.EnqueueOption{producer.WithDelay(time.Duration(delay)), producer.WithMaxRetry(maxRetry)}
		if useToken {
			opts = append(opts, producer.WithIdempotencyToken(token))
		}
		db.rec.take()
		id, err := db.prod.Enqueue(ctx, task, opts...)
		sqls := db.rec.take()
		duplicate := errors.Is(err, producer.ErrDuplicateTask)
		switch {
		case errors.Is(err, producer.ErrInvalidTask):
			var invalid *producer.InvalidTaskError
			require.True(t, errors.As(err, &invalid))
			require.Equal(t, -1, invalid.Index)
			require.Empty(t, sqls, "statements ran for a rejected task")
			return
		case errors.Is(err, producer.ErrDuplicateTask):
			require.Positive(t, id)
		case err != nil:
			t.Fatalf("Enqueue(type %q, token %q, delay %d, max retry %d): untyped error: %v", typ, token, delay, maxRetry, err)
		}
		requireOnly(t, sqls, db.insert)
		got, err := db.cl.GetTask(ctx, id)
		require.NoError(t, err)
		require.Equal(t, typ, got.Type)
		if useToken {
			require.NotNil(t, got.IdempotencyToken)
			require.Equal(t, token, *got.IdempotencyToken)
		}
		if !duplicate {
			require.True(t, bytes.Equal(task.Payload, got.Payload), "payload read back differs")
		}
	})
}

func FuzzListParams(f *testing.F) {
	f.Add("id", "ASC", 100, 0, "", "", int64(0))
	f.Add("created_at", "DESC", 0, -5, "pending", "a", int64(1))
	f.Add("blocked_till", "asc", 20000, 3, "nope", "", int64(0))
	f.Add("id; DROP TABLE asynqpg_tasks", "ASC", 1, 0, "", "", int64(0))
	f.Add("updated_at", "DESC, id", -1, math.MaxInt, "completed", "b'", int64(-1))
	// A type filter PostgreSQL cannot take as text: invalid UTF-8.
	f.Add("", "", 0, 0, "", "\xfa", int64(1))
	db := newFuzzDB(f)
	ctx := context.Background()
	for i := range 20 {
		_, err := db.prod.Enqueue(ctx, asynqpg.NewTask([]string{"a", "b"}[i%2], []byte{byte(i)}))
		require.NoError(f, err)
	}
	// The fixed statements: every order, a page with rows and one past
	// the end.
	db.rec.take()
	for _, field := range []client.ListOrderField{client.OrderByID, client.OrderByCreatedAt, client.OrderByUpdatedAt, client.OrderByBlockedTill} {
		for _, order := range []client.SortOrder{client.SortAsc, client.SortDesc} {
			for _, offset := range []int{0, 1 << 30} {
				_, err := db.cl.ListTasks(ctx, client.NewListParams().OrderBy(field, order).Offset(offset).Types("a"))
				require.NoError(f, err)
			}
		}
	}
	allowed := db.rec.take()
	validField := map[string]bool{"": true, "id": true, "created_at": true, "updated_at": true, "blocked_till": true}
	validOrder := map[string]bool{"": true, "ASC": true, "DESC": true}
	validState := map[string]bool{"": true, "pending": true, "running": true, "completed": true, "failed": true, "cancelled": true}
	f.Fuzz(func(t *testing.T, field, order string, limit, offset int, state, typ string, id int64) {
		p := client.NewListParams().Limit(limit).Offset(offset).OrderBy(client.ListOrderField(field), client.SortOrder(order))
		if state != "" {
			p.States(asynqpg.TaskStatus(state))
		}
		if typ != "" {
			p.Types(typ)
		}
		if id != 0 {
			p.IDs(id)
		}
		db.rec.take()
		res, err := db.cl.ListTasks(ctx, p)
		sqls := db.rec.take()
		if !validField[field] || !validOrder[order] || !validState[state] {
			require.ErrorIs(t, err, client.ErrInvalidListParams)
			require.Empty(t, sqls, "statements ran for invalid list parameters")
			return
		}
		if errors.Is(err, client.ErrInvalidListParams) && !validText(typ) {
			// Rejecting a type filter that is no text is fine too.
			require.Empty(t, sqls, "statements ran for invalid list parameters")
			return
		}
		require.NoError(t, err, "ListTasks(field %q, order %q, limit %d, offset %d, state %q, type %q, id %d)",
			field, order, limit, offset, state, typ, id)
		requireOnly(t, sqls, allowed...)
		require.LessOrEqual(t, len(res.Tasks), min(max(limit, 1), client.MaxListLimit))
		require.GreaterOrEqual(t, res.Total, len(res.Tasks))
		for _, task := range res.Tasks {
			if typ != "" {
				require.Equal(t, typ, task.Type)
			}
			if state != "" {
				require.Equal(t, asynqpg.TaskStatus(state), task.Status)
			}
			if id != 0 {
				require.Equal(t, id, task.ID)
			}
		}
	})
}

func FuzzDurations(f *testing.F) {
	f.Add(int64(0), 1)
	f.Add(int64(-1), 0)
	f.Add(int64(time.Second), 3)
	f.Add(int64(math.MaxInt64), math.MaxInt)
	f.Add(int64(math.MinInt64), math.MinInt)
	f.Add(int64(1), 1000)
	db := newFuzzDB(f)
	ctx := context.Background()
	ex, err := driver.Resolve(db.pool)
	require.NoError(f, err)
	allowed := []string{db.insert}
	f.Fuzz(func(t *testing.T, nanos int64, attempt int) {
		d := time.Duration(nanos)
		// Retry policies: never negative, capped.
		capped := 24 * time.Hour
		if d > 0 {
			capped = d
		}
		r := asynqpg.DefaultRetryPolicy{MaxRetryDelay: d}.NextRetry(attempt)
		require.GreaterOrEqual(t, r, time.Duration(0))
		require.LessOrEqual(t, r, capped)
		require.Equal(t, d, asynqpg.ConstantRetryPolicy{Delay: d}.NextRetry(attempt))
		// Snoozes and retries: the delay written is never negative. The
		// constructors panic on a negative duration, as documented; a
		// handler may still build the error values itself.
		if d < 0 {
			require.Panics(t, func() { _ = asynqpg.TaskSnooze(d) })
			require.Panics(t, func() { _ = asynqpg.TaskSnoozeWithError(d) })
		} else {
			require.Equal(t, d, asynqpg.TaskSnooze(d).(*asynqpg.TaskSnoozeError).Duration)
		}
		for _, err := range []error{&asynqpg.TaskSnoozeError{Duration: d}, &asynqpg.TaskSnoozeWithErrError{Duration: d}, errors.New("failed")} {
			dec := engine.Decide(err, 3, 1, 0, asynqpg.DefaultRetryPolicy{MaxRetryDelay: d})
			require.GreaterOrEqual(t, dec.Delay, time.Duration(0))
			require.LessOrEqual(t, dec.Delay, engine.MaxDelay)
		}
		// Configuration: negative durations are rejected, and so are
		// intervals and timeouts over their limits (7 days); others taken.
		_, err := consumer.New(consumer.Config{Pool: db.pool, FetchInterval: d, JanitorInterval: d, StuckThreshold: d,
			CancelCheckInterval: d, ShutdownTimeout: d, DefaultTimeout: d, CompletedRetention: d})
		if d < 0 || d > consumer.MaxInterval || d > consumer.MaxTimeout {
			require.Error(t, err)
		} else {
			require.NoError(t, err)
		}
		c, err := consumer.New(consumer.Config{Pool: db.pool})
		require.NoError(t, err)
		err = c.RegisterTaskHandler("fuzz", consumer.TaskHandlerFunc(func(context.Context, *asynqpg.TaskInfo) error { return nil }),
			consumer.WithTimeout(d))
		if d <= 0 || d > consumer.MaxTimeout {
			require.Error(t, err)
		} else {
			require.NoError(t, err)
		}
		// A lease of d is d long by the database clock (microseconds).
		if d < time.Microsecond || d > 100*365*24*time.Hour {
			return
		}
		db.rec.take()
		typ := "fuzz-lease"
		_, err = db.prod.Enqueue(ctx, asynqpg.NewTask(typ, []byte{}))
		require.NoError(t, err)
		requireOnly(t, db.rec.take(), allowed...)
		claimed, err := engine.ClaimTasks(ctx, ex, typ, 1, d)
		require.NoError(t, err)
		require.Len(t, claimed, 1)
		var micros int64
		require.NoError(t, ex.QueryRow(ctx, `SELECT (extract(epoch FROM blocked_till - attempted_at) * 1000000)::bigint
			FROM asynqpg_tasks WHERE id = $1`, claimed[0].Task.ID).Scan(&micros))
		require.Equal(t, d.Microseconds(), micros, "lease of %v", d)
		_, err = ex.Exec(ctx, `DELETE FROM asynqpg_tasks WHERE id = $1`, claimed[0].Task.ID)
		require.NoError(t, err)
	})
}

func FuzzPayloadRoundTrip(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("hello"))
	f.Add([]byte{0, 0xff, '\\', 'x', '\'', '"', 0})
	f.Add([]byte(`{"json": "\u0000"}`))
	f.Add(bytes.Repeat([]byte{0x80}, 10000))
	u := testdb.URL(f)
	type entry struct {
		name   string
		rec    *recorder
		prod   *producer.Producer
		cl     *client.Client
		insert []string
	}
	var entries []entry
	for _, np := range adapterPools(f, u) {
		e := entry{name: np.name, rec: &recorder{}}
		pool := newRecordPool(f, np.pool, e.rec)
		var err error
		e.prod, err = producer.New(producer.Config{Pool: pool})
		require.NoError(f, err)
		e.cl, err = client.New(client.Config{Pool: pool})
		require.NoError(f, err)
		_, err = e.prod.Enqueue(context.Background(), asynqpg.NewTask("reference", []byte{1}))
		require.NoError(f, err)
		_, err = e.prod.EnqueueMany(context.Background(), []*asynqpg.Task{asynqpg.NewTask("reference", []byte{1})})
		require.NoError(f, err)
		e.insert = e.rec.take()
		entries = append(entries, e)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		ctx := context.Background()
		if payload == nil {
			payload = []byte{}
		}
		reversed := slices.Clone(payload)
		slices.Reverse(reversed)
		for _, e := range entries {
			id, err := e.prod.Enqueue(ctx, asynqpg.NewTask("roundtrip", payload))
			require.NoError(t, err, e.name)
			ids, err := e.prod.EnqueueMany(ctx, []*asynqpg.Task{asynqpg.NewTask("roundtrip", payload), asynqpg.NewTask("roundtrip", reversed)})
			require.NoError(t, err, e.name)
			requireOnly(t, e.rec.take(), e.insert...)
			for i, want := range map[int64][]byte{id: payload, ids[0]: payload, ids[1]: reversed} {
				got, err := e.cl.GetTask(ctx, i)
				require.NoError(t, err, e.name)
				require.True(t, bytes.Equal(want, got.Payload), "%s: payload of task %d read back differs", e.name, i)
			}
			e.rec.take()
		}
	})
}

// validText reports whether s can be stored as PostgreSQL text: valid
// UTF-8 without NUL bytes.
func validText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }
