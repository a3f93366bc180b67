package pgxv5driver

import "context"
import "database/sql"
import "errors"

import "github.com/jackc/pgx/v5"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/validate"

// Tx is a pgx.Tx as an [asynqpg.Querier]: every statement, the engine's
// and the application's, runs inside the transaction.
type Tx struct {
	tx pgx.Tx
	ex *executor
}

// NewTx returns tx as an [asynqpg.Querier], a *[Tx]. For a nil tx, or one
// holding a nil pointer such as (*pgxpool.Tx)(nil), it returns nil, which
// asynqpg reports as [driver.ErrNilQuerier] where it is used.
func NewTx(tx pgx.Tx) asynqpg.Querier {
	if validate.IsNil(tx) {
		return nil
	}
	return &Tx{tx: tx, ex: &executor{q: tx}}
}

// PgxTx returns the pgx.Tx behind t.
func (t *Tx) PgxTx() pgx.Tx { return t.tx }

// Executor returns the native Executor the asynqpg engine runs statements
// through; its Begin makes a savepoint. It returns nil for a Tx not made
// by [NewTx] (a zero Tx), which has no pgx.Tx: asynqpg then reports
// [driver.ErrNilQuerier].
func (t *Tx) Executor() driver.Executor {
	if t == nil || validate.IsNil(t.tx) || t.ex == nil {
		return nil
	}
	return t.ex
}

// ExecContext runs a statement that returns no rows in the transaction.
func (t *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	tag, err := t.tx.Exec(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return result(tag.RowsAffected()), nil
}

// SelectContext runs a query in the transaction and scans every row into
// dest, a pointer to a slice (of structs with `db` tags, or of scannable
// values).
func (t *Tx) SelectContext(ctx context.Context, dest any, query string, args ...any) error {
	return sharedDB().SelectContext(onTx(ctx, t.tx), dest, query, args...)
}

// GetContext runs a query in the transaction and scans its single row into
// dest; it returns sql.ErrNoRows when there is none.
func (t *Tx) GetContext(ctx context.Context, dest any, query string, args ...any) error {
	return sharedDB().GetContext(onTx(ctx, t.tx), dest, query, args...)
}

// QueryContext runs a query in the transaction. The caller must close the
// rows before running another statement in the transaction.
func (t *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return sharedDB().QueryContext(onTx(ctx, t.tx), query, args...)
}

// QueryRowContext runs a query in the transaction that returns at most one
// row. Scan the row before running another statement in the transaction.
func (t *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return sharedDB().QueryRowContext(onTx(ctx, t.tx), query, args...)
}

// result is the sql.Result of a statement run on a pgx.Tx.
type result int64

// errNoLastInsertID is returned by LastInsertId: PostgreSQL has no such
// thing; use RETURNING.
var errNoLastInsertID = errors.New("pgxv5driver: LastInsertId is not supported by PostgreSQL; use RETURNING")

func (r result) LastInsertId() (int64, error) { return 0, errNoLastInsertID }
func (r result) RowsAffected() (int64, error) { return int64(r), nil }

// Compile-time checks.
var (
	_ asynqpg.Querier       = (*Tx)(nil)
	_ driver.ExecutorSource = (*Tx)(nil)
)
