package testfixture

import "testing"

import "github.com/stretchr/testify/require"

// Rows is what the rows of database/sql and of pgx have in common.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// ScanRows reads every row of rows into a T: dest returns the fields of
// a new T to scan the row's columns into, in order. Any error fails t.
func ScanRows[T any](t testing.TB, rows Rows, dest func(*T) []any) []T {
	t.Helper()
	var out []T
	for rows.Next() {
		var v T
		require.NoError(t, rows.Scan(dest(&v)...))
		out = append(out, v)
	}
	require.NoError(t, rows.Err())
	return out
}

// Column returns the value of the one column of each row of rows.
func Column[T any](t testing.TB, rows Rows) []T {
	t.Helper()
	return ScanRows(t, rows, func(v *T) []any { return []any{v} })
}
