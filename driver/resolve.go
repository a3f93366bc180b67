package driver

import (
	"errors"
	"fmt"

	"github.com/yakser/asynqpg/internal/validate"
)

// ErrNilQuerier is returned by [Resolve] for a nil handle.
var ErrNilQuerier = errors.New("driver: nil Pool or Querier")

// Resolve finds the Executor behind a handle a user passed to asynqpg: the
// native one of an adapter's value ([ExecutorSource]), or a database/sql
// Executor for *sqlx.DB, *sqlx.Tx, values of asynqpg.WrapStdDB and any other
// handle with database/sql's ExecContext, QueryContext and QueryRowContext.
func Resolve(q any) (Executor, error) {
	if validate.IsNil(q) {
		return nil, ErrNilQuerier
	}
	switch v := q.(type) {
	case ExecutorSource:
		ex := v.Executor()
		if ex == nil {
			return nil, fmt.Errorf("%w: %T has no executor", ErrNilQuerier, q)
		}
		return ex, nil
	case Executor:
		return v, nil
	case StdQuerier:
		return NewStdExecutor(v), nil
	default:
		return nil, fmt.Errorf("driver: unsupported handle %T: use an adapter from driver/sqlx, driver/pgxv5 or driver/bun", q)
	}
}
