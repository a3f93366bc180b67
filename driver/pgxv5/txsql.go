package pgxv5driver

import "context"
import "database/sql/driver"
import "errors"
import "fmt"
import "io"
import "strings"

import "github.com/jackc/pgx/v5"
import "github.com/jackc/pgx/v5/pgconn"
import "github.com/jackc/pgx/v5/pgtype"

// A database/sql connection that is a pgx.Tx: the shared handle
// (sqlhandle.go) connects to it so that a transaction's Querier returns
// *sql.Rows and *sql.Row for statements that run inside the transaction.
// pgx's stdlib driver has no connection over a transaction, so this file
// does what its connections do: run the statement on pgx and turn each
// column into the database/sql value stdlib would give.

// errTxConnOnly is returned for what the transaction connection does not do.
var errTxConnOnly = errors.New("pgxv5driver: a transaction's Querier runs statements only; begin, commit and roll back on the pgx.Tx")

// txConn is a database/sql connection that runs statements in a pgx.Tx.
// Closing it leaves the transaction alone.
type txConn struct {
	tx pgx.Tx
}

var (
	_ driver.Conn                           = (*txConn)(nil)
	_ driver.QueryerContext                 = (*txConn)(nil)
	_ driver.ExecerContext                  = (*txConn)(nil)
	_ driver.NamedValueChecker              = (*txConn)(nil)
	_ driver.RowsColumnTypeDatabaseTypeName = (*txRows)(nil)
)

func (c *txConn) Prepare(string) (driver.Stmt, error) { return nil, errTxConnOnly }
func (c *txConn) Close() error                        { return nil }
func (c *txConn) Begin() (driver.Tx, error)           { return nil, errTxConnOnly }

// CheckNamedValue accepts every value: pgx encodes them.
func (c *txConn) CheckNamedValue(*driver.NamedValue) error { return nil }

// ExecContext runs a statement in the transaction.
func (c *txConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	tag, err := c.tx.Exec(ctx, query, values(args)...)
	if err != nil {
		return nil, err
	}
	return result(tag.RowsAffected()), nil
}

// QueryContext runs a query in the transaction. The first row is read at
// once, so that an error raised while executing the statement is returned
// here rather than by the first Next.
func (c *txConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	qargs := append([]any{resultFormats}, values(args)...)
	rows, err := c.tx.Query(ctx, query, qargs...)
	if err != nil {
		return nil, err
	}
	more := rows.Next()
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, err
	}
	return &txRows{rows: rows, typeMap: c.tx.Conn().TypeMap(), preloaded: true, more: more}, nil
}

// values returns the arguments' values in order.
func values(args []driver.NamedValue) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a.Value
	}
	return out
}

// resultFormats asks for the binary format for the types turned into Go
// values, and for the text format for every other type.
var resultFormats = pgx.QueryResultFormatsByOID{
	pgtype.BoolOID:        pgx.BinaryFormatCode,
	pgtype.ByteaOID:       pgx.BinaryFormatCode,
	pgtype.Int2OID:        pgx.BinaryFormatCode,
	pgtype.Int4OID:        pgx.BinaryFormatCode,
	pgtype.Int8OID:        pgx.BinaryFormatCode,
	pgtype.Float4OID:      pgx.BinaryFormatCode,
	pgtype.Float8OID:      pgx.BinaryFormatCode,
	pgtype.DateOID:        pgx.BinaryFormatCode,
	pgtype.TimestampOID:   pgx.BinaryFormatCode,
	pgtype.TimestamptzOID: pgx.BinaryFormatCode,
	pgtype.OIDOID:         pgx.BinaryFormatCode,
	pgtype.CIDOID:         pgx.BinaryFormatCode,
	pgtype.XIDOID:         pgx.BinaryFormatCode,
}

// txRows is driver.Rows over pgx.Rows.
type txRows struct {
	rows      pgx.Rows
	typeMap   *pgtype.Map
	convert   []func(src []byte) (driver.Value, error)
	preloaded bool // the first row was read by QueryContext
	more      bool // what that first Next returned
}

func (r *txRows) Columns() []string {
	fds := r.rows.FieldDescriptions()
	names := make([]string, len(fds))
	for i, fd := range fds {
		names[i] = fd.Name
	}
	return names
}

// ColumnTypeDatabaseTypeName returns the PostgreSQL type name of a column,
// upper case as database/sql asks, or "" when it is not known.
func (r *txRows) ColumnTypeDatabaseTypeName(index int) string {
	fd := r.rows.FieldDescriptions()[index]
	if t, ok := r.typeMap.TypeForOID(fd.DataTypeOID); ok {
		return strings.ToUpper(t.Name)
	}
	return ""
}

func (r *txRows) Close() error {
	r.rows.Close()
	return r.rows.Err()
}

func (r *txRows) Next(dest []driver.Value) error {
	if r.convert == nil {
		fds := r.rows.FieldDescriptions()
		r.convert = make([]func([]byte) (driver.Value, error), len(fds))
		for i, fd := range fds {
			r.convert[i] = converter(r.typeMap, fd)
		}
	}
	more := r.more
	if r.preloaded {
		r.preloaded = false
	} else {
		more = r.rows.Next()
	}
	if !more {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return io.EOF
	}
	for i, raw := range r.rows.RawValues() {
		if raw == nil {
			dest[i] = nil
			continue
		}
		v, err := r.convert[i](raw)
		if err != nil {
			return fmt.Errorf("pgxv5driver: convert column %q: %w", r.rows.FieldDescriptions()[i].Name, err)
		}
		dest[i] = v
	}
	return nil
}

// converter returns the function that turns a column's raw non-NULL value
// into a database/sql value, as pgx's stdlib driver does.
func converter(m *pgtype.Map, fd pgconn.FieldDescription) func([]byte) (driver.Value, error) {
	oid, format := fd.DataTypeOID, fd.Format
	switch oid {
	case pgtype.BoolOID:
		return scanAs[bool](m, oid, format, func(v bool) driver.Value { return v })
	case pgtype.ByteaOID:
		return scanAs[[]byte](m, oid, format, func(v []byte) driver.Value { return v })
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
		return scanAs[int64](m, oid, format, func(v int64) driver.Value { return v })
	case pgtype.Float4OID, pgtype.Float8OID:
		return scanAs[float64](m, oid, format, func(v float64) driver.Value { return v })
	case pgtype.OIDOID, pgtype.CIDOID, pgtype.XIDOID:
		return scanValuer[pgtype.Uint32](m, oid, format)
	case pgtype.DateOID:
		return scanValuer[pgtype.Date](m, oid, format)
	case pgtype.TimestampOID:
		return scanValuer[pgtype.Timestamp](m, oid, format)
	case pgtype.TimestamptzOID:
		return scanValuer[pgtype.Timestamptz](m, oid, format)
	case pgtype.JSONOID, pgtype.JSONBOID:
		return func(src []byte) (driver.Value, error) {
			return append([]byte(nil), src...), nil
		}
	}
	if format == pgx.TextFormatCode {
		return func(src []byte) (driver.Value, error) { return string(src), nil }
	}
	return scanAs[string](m, oid, format, func(v string) driver.Value { return v })
}

// scanAs decodes a value into a T and converts it with conv.
func scanAs[T any](m *pgtype.Map, oid uint32, format int16, conv func(T) driver.Value) func([]byte) (driver.Value, error) {
	var zero T
	plan := m.PlanScan(oid, format, &zero)
	return func(src []byte) (driver.Value, error) {
		var v T
		if err := plan.Scan(src, &v); err != nil {
			return nil, err
		}
		return conv(v), nil
	}
}

// scanValuer decodes a value into a pgtype value and returns its
// driver.Value (a time.Time, or a string for infinity; an int64 for the
// unsigned 32-bit types).
func scanValuer[T any, PT interface {
	*T
	driver.Valuer
}](m *pgtype.Map, oid uint32, format int16) func([]byte) (driver.Value, error) {
	var zero T
	plan := m.PlanScan(oid, format, PT(&zero))
	return func(src []byte) (driver.Value, error) {
		var v T
		if err := plan.Scan(src, PT(&v)); err != nil {
			return nil, err
		}
		return PT(&v).Value()
	}
}
