package driver

import "database/sql"
import "errors"
import "fmt"
import "reflect"

import "github.com/jmoiron/sqlx"

import "github.com/yakser/asynqpg/internal/validate"

// ErrNilQuerier is returned by [Resolve] for a nil handle, and for a handle
// with nothing behind it: an adapter value that was not made by its
// constructor, a *sqlx.DB without its *sql.DB, a zero *sql.DB, and the
// like. The error names the handle's type.
var ErrNilQuerier = errors.New("driver: nil Pool or Querier")

// Resolve finds the Executor behind a handle a user passed to asynqpg: the
// native one of an adapter's value ([ExecutorSource]), or a database/sql
// Executor for *sqlx.DB, *sqlx.Tx, values of asynqpg.WrapStdDB and any other
// handle with database/sql's ExecContext, QueryContext and QueryRowContext.
//
// It refuses, with an error wrapping [ErrNilQuerier], a nil handle, an
// [ExecutorSource] whose Executor is nil, and a database/sql or sqlx handle
// (*sql.DB, *sql.Tx, *sql.Conn, *sqlx.DB, *sqlx.Tx, *sqlx.Conn, directly or
// behind an [ExecutorSource]) that is nil or a zero value inside, so that
// such a handle fails where it is configured rather than panicking on the
// first statement.
func Resolve(q any) (Executor, error) {
	if validate.IsNil(q) {
		return nil, ErrNilQuerier
	}
	switch v := q.(type) {
	case ExecutorSource:
		ex := v.Executor()
		if validate.IsNil(ex) {
			return nil, fmt.Errorf("%w: %T has no executor", ErrNilQuerier, q)
		}
		if err := checkExecutor(q, ex); err != nil {
			return nil, err
		}
		return ex, nil
	case Executor:
		if err := checkExecutor(q, v); err != nil {
			return nil, err
		}
		return v, nil
	case StdQuerier:
		if err := checkStd(q, v); err != nil {
			return nil, err
		}
		return NewStdExecutor(v), nil
	default:
		return nil, fmt.Errorf("driver: unsupported handle %T: use an adapter from driver/sqlx, driver/pgxv5 or driver/bun", q)
	}
}

// checkExecutor checks the database/sql handle behind ex when ex is a
// *StdExecutor; handle is what the user passed, named in the error.
func checkExecutor(handle any, ex Executor) error {
	std, ok := ex.(*StdExecutor)
	if !ok {
		return nil
	}
	if validate.IsNil(std.q) {
		return fmt.Errorf("%w: %T has no database/sql handle", ErrNilQuerier, handle)
	}
	return checkStd(handle, std.q)
}

// checkStd refuses a database/sql or sqlx handle q that would panic on its
// first statement: an sqlx handle without its database/sql one, or a zero
// *sql.DB, *sql.Tx or *sql.Conn (declared rather than opened or begun).
// handle is what the user passed, named in the error. Other handles pass.
func checkStd(handle any, q StdQuerier) error {
	if validate.IsNil(q) {
		return fmt.Errorf("%w: %T has no database/sql handle", ErrNilQuerier, handle)
	}
	var inner StdQuerier
	switch v := q.(type) {
	case *sqlx.DB:
		if v.DB == nil {
			return fmt.Errorf("%w: %T has no *sql.DB", ErrNilQuerier, handle)
		}
		inner = v.DB
	case *sqlx.Tx:
		if v.Tx == nil {
			return fmt.Errorf("%w: %T has no *sql.Tx", ErrNilQuerier, handle)
		}
		inner = v.Tx
	case *sqlx.Conn:
		if v.Conn == nil {
			return fmt.Errorf("%w: %T has no *sql.Conn", ErrNilQuerier, handle)
		}
		inner = v.Conn
	default:
		inner = q
	}
	var zero bool
	var how string
	switch v := inner.(type) {
	case *sql.DB:
		zero, how = nilField(v, "connector"), "opened with sql.Open or sql.OpenDB"
	case *sql.Tx:
		zero, how = nilField(v, "db"), "begun with BeginTx"
	case *sql.Conn:
		zero, how = nilField(v, "db"), "taken with (*sql.DB).Conn"
	}
	if !zero {
		return nil
	}
	if reflect.TypeOf(handle) == reflect.TypeOf(inner) {
		return fmt.Errorf("%w: %T is a zero value, not %s", ErrNilQuerier, handle, how)
	}
	return fmt.Errorf("%w: %T holds a zero %T, not %s", ErrNilQuerier, handle, inner, how)
}

// nilField reports whether the named field of the struct p points to is a
// nil pointer or interface. It reports false when there is no such field,
// so a renamed field in a future database/sql lets the value pass as
// before.
func nilField(p any, name string) bool {
	rv := reflect.ValueOf(p)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return false
	}
	f := rv.Elem().FieldByName(name)
	if !f.IsValid() {
		return false
	}
	switch f.Kind() {
	case reflect.Pointer, reflect.Interface:
		return f.IsNil()
	}
	return false
}
