package testfixture

import "context"
import "slices"
import "testing"
import "time"

// QueryExecer is what ScatterTimes runs on: *sql.DB, *sql.Tx and *sqlx.DB
// are.
type QueryExecer interface {
	Execer
	RowsQueryer
}

// TimeOrders are the IDs of the tasks of a database in the order of each
// time column a list sorts by: ascending, ties by ID.
type TimeOrders struct {
	Created, Updated, Blocked []int64
}

// ScatterTimes moves the created_at, updated_at and blocked_till of every
// task of db so that the orders by each of them differ from the ID order
// and from each other, with ties, and returns those orders, worked out
// from the stored times.
func ScatterTimes(t testing.TB, db QueryExecer) TimeOrders {
	t.Helper()
	ctx := context.Background()
	_, err := db.ExecContext(ctx, `
		UPDATE asynqpg_tasks SET
			created_at = now() - (id % 3) * interval '1 minute',
			updated_at = now() - (id % 4) * interval '1 minute',
			blocked_till = now() + (id % 5) * interval '1 minute'`)
	if err != nil {
		t.Fatalf("testfixture: scatter the tasks' times: %v", err)
	}
	type stamps struct {
		id                        int64
		created, updated, blocked time.Time
	}
	rows, err := db.QueryContext(ctx, `SELECT id, created_at, updated_at, blocked_till FROM asynqpg_tasks`)
	if err != nil {
		t.Fatalf("testfixture: read the tasks' times: %v", err)
	}
	defer func() { _ = rows.Close() }()
	all := ScanRows(t, rows, func(s *stamps) []any { return []any{&s.id, &s.created, &s.updated, &s.blocked} })
	by := func(at func(stamps) time.Time) []int64 {
		s := slices.Clone(all)
		slices.SortFunc(s, func(x, y stamps) int {
			if c := at(x).Compare(at(y)); c != 0 {
				return c
			}
			return int(x.id - y.id)
		})
		ids := make([]int64, len(s))
		for i, v := range s {
			ids[i] = v.id
		}
		return ids
	}
	return TimeOrders{
		Created: by(func(s stamps) time.Time { return s.created }),
		Updated: by(func(s stamps) time.Time { return s.updated }),
		Blocked: by(func(s stamps) time.Time { return s.blocked }),
	}
}

// Reversed returns ids in the opposite order.
func Reversed(ids []int64) []int64 {
	s := slices.Clone(ids)
	slices.Reverse(s)
	return s
}
