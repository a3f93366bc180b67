package conformance

import "context"
import "errors"
import "strconv"
import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/driver"

func testDriverRows(t *testing.T, d Driver) {
	t.Parallel()
	b := setupDriver(t, d)
	ctx := context.Background()

	t.Run("ExecRowsAffected", func(t *testing.T) {
		b.parallel(t)
		cases := []struct {
			name string
			sql  string
			args []any
			want int64
		}{
			{"insert three", `INSERT INTO driver_items (id, name) SELECT x, 'n' || x FROM unnest($1::bigint[]) AS u(x)`, []any{[]int64{10, 11, 12}}, 3},
			{"update two", `UPDATE driver_items SET note = $2 WHERE id = ANY($1::bigint[])`, []any{[]int64{10, 12, 99}, "noted"}, 2},
			{"update none", `UPDATE driver_items SET note = $2 WHERE id = ANY($1::bigint[])`, []any{[]int64{98, 99}, "x"}, 0},
			{"delete one", `DELETE FROM driver_items WHERE id = $1`, []any{int64(11)}, 1},
			{"select statement", `SELECT 1`, nil, 1},
			{"empty insert", `INSERT INTO driver_items (id) SELECT x FROM unnest($1::bigint[]) AS u(x)`, []any{[]int64{}}, 0},
		}
		for _, tc := range cases {
			n, err := b.Ex.Exec(ctx, tc.sql, tc.args...)
			require.NoError(t, err, tc.name)
			require.Equal(t, tc.want, n, tc.name)
		}
	})

	t.Run("QueryManyRows", func(t *testing.T) {
		b.parallel(t)
		rows, err := b.Ex.Query(ctx, `SELECT x, 'row ' || x, x % 2 = 0 FROM generate_series(1, $1::bigint) AS g(x) ORDER BY x`, int64(50))
		require.NoError(t, err)
		var got []int64
		for rows.Next() {
			var (
				x    int64
				name string
				even bool
			)
			require.NoError(t, rows.Scan(&x, &name, &even))
			require.Equal(t, "row "+strconv.FormatInt(x, 10), name)
			require.Equal(t, x%2 == 0, even)
			got = append(got, x)
		}
		require.NoError(t, rows.Err())
		rows.Close()
		rows.Close() // safe twice
		require.Len(t, got, 50)
		require.Equal(t, int64(1), got[0])
		require.Equal(t, int64(50), got[49])
	})

	t.Run("QueryNoRows", func(t *testing.T) {
		b.parallel(t)
		rows, err := b.Ex.Query(ctx, `SELECT 1 WHERE $1::bool`, false)
		require.NoError(t, err)
		require.False(t, rows.Next())
		require.NoError(t, rows.Err())
		rows.Close()
	})

	t.Run("CloseEarly", func(t *testing.T) {
		b.parallel(t)
		// Closing rows before reading them all leaves the Executor usable.
		rows, err := b.Ex.Query(ctx, `SELECT x FROM generate_series(1, 1000) AS g(x)`)
		require.NoError(t, err)
		require.True(t, rows.Next())
		rows.Close()
		var one int
		require.NoError(t, b.Ex.QueryRow(ctx, `SELECT 1`).Scan(&one))
		require.Equal(t, 1, one)
	})

	t.Run("QueryRowNoRows", func(t *testing.T) {
		b.parallel(t)
		var x int64
		err := b.Ex.QueryRow(ctx, `SELECT 1 WHERE $1::bool`, false).Scan(&x)
		require.ErrorIs(t, err, driver.ErrNoRows)

		err = b.Ex.QueryRow(ctx, `UPDATE driver_items SET note = 'x' WHERE id = $1 RETURNING id`, int64(-1)).Scan(&x)
		require.ErrorIs(t, err, driver.ErrNoRows)
	})

	t.Run("QueryRowFirstOfMany", func(t *testing.T) {
		b.parallel(t)
		var x int64
		require.NoError(t, b.Ex.QueryRow(ctx, `SELECT x FROM generate_series(5, 9) AS g(x) ORDER BY x`).Scan(&x))
		require.Equal(t, int64(5), x)
	})

	t.Run("ScanIntoPointers", func(t *testing.T) {
		b.parallel(t)
		var (
			id    int64
			name  string
			note  *string
			data  []byte
			tags  []string
			count int
		)
		_, err := b.Ex.Exec(ctx, `INSERT INTO driver_items (id, name, data, tags) VALUES ($1, $2, $3, $4)`,
			int64(500), "five hundred", []byte{1, 2, 3}, []string{"a", "b,c"})
		require.NoError(t, err)
		require.NoError(t, b.Ex.QueryRow(ctx,
			`SELECT id, name, note, data, tags, cardinality(tags)::integer FROM driver_items WHERE id = $1`, int64(500)).
			Scan(&id, &name, &note, &data, &tags, &count))
		require.Equal(t, int64(500), id)
		require.Equal(t, "five hundred", name)
		require.Nil(t, note)
		require.Equal(t, []byte{1, 2, 3}, data)
		require.Equal(t, []string{"a", "b,c"}, tags)
		require.Equal(t, 2, count)
	})
}

func testDriverErrors(t *testing.T, d Driver) {
	t.Parallel()
	b := setupDriver(t, d)
	ctx := context.Background()

	t.Run("UniqueViolation", func(t *testing.T) {
		b.parallel(t)
		insertItem(t, b.Ex, 1)

		cases := []struct {
			name string
			run  func(ex driver.Executor) error
		}{
			{"Exec", func(ex driver.Executor) error {
				_, err := ex.Exec(ctx, `INSERT INTO driver_items (id) VALUES ($1)`, int64(1))
				return err
			}},
			{"QueryRow returning", func(ex driver.Executor) error {
				var id int64
				return ex.QueryRow(ctx, `INSERT INTO driver_items (id) VALUES ($1) RETURNING id`, int64(1)).Scan(&id)
			}},
			{"Query returning", func(ex driver.Executor) error {
				rows, err := ex.Query(ctx, `INSERT INTO driver_items (id) SELECT unnest($1::bigint[]) RETURNING id`, []int64{2, 1})
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
				}
				return rows.Err()
			}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				// Inside a savepoint, so that a transaction under test
				// survives the failed statement.
				sp, err := b.Ex.Begin(ctx)
				require.NoError(t, err)
				err = tc.run(sp)
				require.Error(t, err)
				require.True(t, driver.IsUniqueViolation(err), "not a unique violation: %v", err)
				require.Equal(t, driver.CodeUniqueViolation, driver.SQLState(err))
				require.NoError(t, sp.Rollback(ctx))

				require.Equal(t, 1, countItemsIn(t, b.Ex, 1, 2))
			})
		}
	})

	t.Run("SQLState", func(t *testing.T) {
		b.parallel(t)
		cases := []struct {
			name string
			sql  string
			want string
		}{
			{"undefined table", `SELECT * FROM driver_no_such_table`, driver.CodeUndefinedTable},
			{"division by zero", `SELECT 1 / (random() * 0)::int`, "22012"},
			{"syntax error", `SELEKT 1`, "42601"},
			{"invalid input", `SELECT 'x'::bigint`, "22P02"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				sp, err := b.Ex.Begin(ctx)
				require.NoError(t, err)
				defer func() { require.NoError(t, sp.Rollback(ctx)) }()
				var x int64
				err = sp.QueryRow(ctx, tc.sql).Scan(&x)
				require.Error(t, err)
				require.False(t, errors.Is(err, driver.ErrNoRows))
				require.Equal(t, tc.want, driver.SQLState(err), "error: %v", err)
				require.False(t, driver.IsUniqueViolation(err))
			})
		}
		require.Equal(t, "", driver.SQLState(nil))
		require.Equal(t, "", driver.SQLState(errors.New("plain")))
	})
}
