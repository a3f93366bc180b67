package conformance

import "context"
import "database/sql"
import "testing"
import "time"

import "github.com/lib/pq"
import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"

// driverItem is a row of driver_items as the application scans it.
type driverItem struct {
	ID   int64          `db:"id"`
	Name string         `db:"name"`
	Note *string        `db:"note"`
	Data []byte         `db:"data"`
	At   *time.Time     `db:"at"`
	Tags pq.StringArray `db:"tags"`
}

// testDriverQuerier runs the application's own queries through the five
// Querier methods of the adapter's Pool and of a transaction's Querier.
func testDriverQuerier(t *testing.T, d Driver) {
	t.Parallel()
	b := setupDriver(t, d)
	ctx := context.Background()

	at := time.Date(2024, 3, 4, 5, 6, 7, 890123000, time.UTC)
	note := `it's "quoted", {braced}`

	cases := []struct {
		name string
		// querier returns the Querier under test and what ends its
		// transaction (nil for the Pool).
		querier func(t *testing.T) (asynqpg.Querier, func(ctx context.Context) error)
		// committed says whether the rows are visible to others at the end.
		committed bool
	}{
		{
			name:      "Pool",
			querier:   func(*testing.T) (asynqpg.Querier, func(context.Context) error) { return b.Pool, nil },
			committed: true,
		},
		{
			name: "TxCommit",
			querier: func(t *testing.T) (asynqpg.Querier, func(context.Context) error) {
				tx := b.Begin(t)
				return tx.Querier, tx.Commit
			},
			committed: true,
		},
		{
			name: "TxRollback",
			querier: func(t *testing.T) (asynqpg.Querier, func(context.Context) error) {
				tx := b.Begin(t)
				return tx.Querier, tx.Rollback
			},
		},
	}
	for ci, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q, end := tc.querier(t)
			base := int64(100 * (ci + 1))
			ids := []int64{base + 1, base + 2}

			res, err := q.ExecContext(ctx,
				`INSERT INTO driver_items (id, name, note, data, at, tags) VALUES ($1, $2, $3, $4, $5, $6), ($7, $8, NULL, $9, NULL, $10)`,
				ids[0], "first", note, []byte{0, 1, 255}, at, pq.Array([]string{"a", "b,c", `d"e`}),
				ids[1], "second", []byte{}, pq.Array([]string{}))
			require.NoError(t, err)
			n, err := res.RowsAffected()
			require.NoError(t, err)
			require.Equal(t, int64(2), n)

			want := []driverItem{
				{ID: ids[0], Name: "first", Note: &note, Data: []byte{0, 1, 255}, At: &at, Tags: pq.StringArray{"a", "b,c", `d"e`}},
				{ID: ids[1], Name: "second", Data: []byte{}, Tags: pq.StringArray{}},
			}

			// SelectContext into structs.
			var items []driverItem
			require.NoError(t, q.SelectContext(ctx, &items,
				`SELECT id, name, note, data, at, tags FROM driver_items WHERE id = ANY($1) ORDER BY id`, pq.Array(ids)))
			requireItems(t, want, items)

			// SelectContext into scalars.
			var names []string
			require.NoError(t, q.SelectContext(ctx, &names, `SELECT name FROM driver_items WHERE id = ANY($1) ORDER BY id`, pq.Array(ids)))
			require.Equal(t, []string{"first", "second"}, names)

			// GetContext into a struct, a scalar, and no row.
			var item driverItem
			require.NoError(t, q.GetContext(ctx, &item, `SELECT id, name, note, data, at, tags FROM driver_items WHERE id = $1`, ids[0]))
			requireItems(t, want[:1], []driverItem{item})
			var count int
			require.NoError(t, q.GetContext(ctx, &count, `SELECT count(*) FROM driver_items WHERE id = ANY($1)`, pq.Array(ids)))
			require.Equal(t, 2, count)
			err = q.GetContext(ctx, &item, `SELECT id, name, note, data, at, tags FROM driver_items WHERE id = $1`, int64(-1))
			require.ErrorIs(t, err, sql.ErrNoRows)

			// QueryContext.
			rows, err := q.QueryContext(ctx, `SELECT id, name, at FROM driver_items WHERE id = ANY($1) ORDER BY id`, pq.Array(ids))
			require.NoError(t, err)
			var got []int64
			for rows.Next() {
				var (
					id   int64
					name string
					when sql.NullTime
				)
				require.NoError(t, rows.Scan(&id, &name, &when))
				got = append(got, id)
				if id == ids[0] {
					require.True(t, when.Valid)
					require.True(t, at.Equal(when.Time), "at: want %s, got %s", at, when.Time)
				} else {
					require.False(t, when.Valid)
				}
			}
			require.NoError(t, rows.Err())
			require.NoError(t, rows.Close())
			require.Equal(t, ids, got)

			// QueryRowContext, and its no-row error.
			var name string
			require.NoError(t, q.QueryRowContext(ctx, `SELECT name FROM driver_items WHERE id = $1`, ids[1]).Scan(&name))
			require.Equal(t, "second", name)
			err = q.QueryRowContext(ctx, `SELECT name FROM driver_items WHERE id = $1`, int64(-1)).Scan(&name)
			require.ErrorIs(t, err, sql.ErrNoRows)

			// Errors keep their SQLSTATE: a unique violation, through the
			// Pool (a failed statement would end a transaction).
			if end == nil {
				_, err = q.ExecContext(ctx, `INSERT INTO driver_items (id) VALUES ($1)`, ids[0])
				require.Error(t, err)
				require.Equal(t, driver.CodeUniqueViolation, driver.SQLState(err))
			}

			// Visibility to another session.
			if end != nil {
				require.Equal(t, 0, b.countItems(t, ids...), "transaction's rows visible before it ended")
				require.NoError(t, end(ctx))
			}
			wantVisible := 0
			if tc.committed {
				wantVisible = 2
			}
			require.Equal(t, wantVisible, b.countItems(t, ids...))
		})
	}
}

// requireItems compares scanned items: times by instant, and empty
// slices equal to nil ones.
func requireItems(t *testing.T, want, got []driverItem) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		w, g := want[i], got[i]
		require.Equal(t, w.ID, g.ID, "item %d: id", i)
		require.Equal(t, w.Name, g.Name, "item %d: name", i)
		require.Equal(t, w.Note, g.Note, "item %d: note", i)
		require.Equal(t, w.Data, g.Data, "item %d: data", i)
		if w.At != nil {
			require.NotNil(t, g.At, "item %d: at", i)
			require.True(t, w.At.Equal(*g.At), "item %d: at: want %s, got %s", i, w.At, g.At)
		} else {
			require.Nil(t, g.At, "item %d: at", i)
		}
		require.Len(t, g.Tags, len(w.Tags), "item %d: tags", i)
		for j := range w.Tags {
			require.Equal(t, w.Tags[j], g.Tags[j], "item %d: tag %d", i, j)
		}
	}
}
