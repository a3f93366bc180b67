package engine

import "context"
import "fmt"

import "github.com/yakser/asynqpg/driver"

// queryAll runs query on ex and returns every row it returns, each read by
// scan; an empty result is an empty, non-nil slice. Errors start with
// what, and a missing table or column is [asynqpg.ErrSchemaNotMigrated].
func queryAll[T any](ctx context.Context, ex driver.Executor, what string,
	scan func(driver.Rows) (T, error), query string, args ...any,
) ([]T, error) {
	return appendAll(ctx, ex, []T{}, what, scan, query, args...)
}

// appendAll is queryAll appending to out, which may have room for the rows
// already.
func appendAll[T any](ctx context.Context, ex driver.Executor, out []T, what string,
	scan func(driver.Rows) (T, error), query string, args ...any,
) ([]T, error) {
	rows, err := ex.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, schemaError(err))
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: scan: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, schemaError(err))
	}
	return out, nil
}

// scanString reads a row of one text column.
func scanString(rows driver.Rows) (string, error) {
	var s string
	err := rows.Scan(&s)
	return s, err
}

// scanFields returns a row reader for queryAll that scans the columns into
// what fields returns: pointers to the fields of the row's value. The
// reader scans every row into the same value, zeroed first, and returns a
// copy, so reading a row allocates nothing of its own; it is for one
// query at a time.
func scanFields[T any](fields func(*T) []any) func(driver.Rows) (T, error) {
	v := new(T)
	dest := fields(v)
	return func(rows driver.Rows) (T, error) {
		var zero T
		*v = zero
		err := rows.Scan(dest...)
		return *v, err
	}
}
