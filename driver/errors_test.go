package driver_test

import "context"
import "database/sql"
import "errors"
import "fmt"
import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/driver"

// fieldError carries its SQLSTATE as bun's pgdriver errors do.
type fieldError struct{ code string }

func (e fieldError) Error() string { return "field error" }
func (e fieldError) Field(f byte) string {
	if f == 'C' {
		return e.code
	}
	return ""
}

// stateError carries its SQLSTATE as pgconn's and lib/pq's errors do.
type stateError struct{ code string }

func (e stateError) Error() string    { return "state error" }
func (e stateError) SQLState() string { return e.code }

func TestSQLState(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		err    error
		want   string
		unique bool
	}{
		"nil":             {nil, "", false},
		"plain":           {errors.New("x"), "", false},
		"SQLState method": {stateError{"23505"}, "23505", true},
		"Field method":    {fieldError{"23505"}, "23505", true},
		"wrapped":         {fmt.Errorf("insert: %w", stateError{"40001"}), "40001", false},
		"wrapped field":   {fmt.Errorf("insert: %w", fieldError{"57014"}), "57014", false},
		"joined":          {errors.Join(errors.New("a"), stateError{"23505"}), "23505", true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, driver.SQLState(tc.err))
			require.Equal(t, tc.unique, driver.IsUniqueViolation(tc.err))
		})
	}
}

// TestSQLStateFromDrivers checks real errors of lib/pq and pgx's stdlib.
func TestSQLStateFromDrivers(t *testing.T) {
	t.Parallel()
	forEachStdDriver(t, func(t *testing.T, db *sql.DB) {
		_, err := db.ExecContext(context.Background(), `SELECT * FROM driver_no_such_table`)
		require.Error(t, err)
		require.Equal(t, driver.CodeUndefinedTable, driver.SQLState(err))
		require.Equal(t, driver.CodeUndefinedTable, driver.SQLState(fmt.Errorf("wrapped: %w", err)))
	})
}
