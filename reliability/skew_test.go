package reliability

import "context"
import "sync/atomic"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/scantime"

// skewPool is an asynqpg.Pool whose engine Executor behaves as if the
// consumer's clock were off by skew: every instant the consumer sends is
// shifted by +skew, and every instant it reads from the database by -skew,
// so that, seen from the consumer, the database's clock is skew behind its
// own. (Go programs read the clock without libc, so a process's clock
// cannot be faked from outside; this is where the consumer's clock and the
// database's meet.)
type skewPool struct {
	asynqpg.Pool
	ex *skewExecutor
}

// Executor implements driver.ExecutorSource.
func (p skewPool) Executor() driver.Executor { return p.ex }

// newSkewPool wraps pool with a clock skew.
func newSkewPool(pool asynqpg.Pool, skew time.Duration) (skewPool, error) {
	inner, err := driver.Resolve(pool)
	if err != nil {
		return skewPool{}, err
	}
	return skewPool{Pool: pool, ex: &skewExecutor{inner: inner, skew: skew, sent: new(atomic.Int64)}}, nil
}

// skewExecutor shifts the instants going in and out of inner.
type skewExecutor struct {
	inner driver.Executor
	skew  time.Duration
	// sent counts the instants the consumer sent.
	sent *atomic.Int64
}

func (e *skewExecutor) shiftArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			e.sent.Add(1)
			out[i] = v.Add(e.skew)
		case *time.Time:
			if v != nil {
				e.sent.Add(1)
				s := v.Add(e.skew)
				out[i] = &s
				continue
			}
			out[i] = a
		default:
			out[i] = a
		}
	}
	return out
}

func (e *skewExecutor) shiftDest(dest []any) {
	scantime.Map(dest, func(t time.Time) time.Time { return t.Add(-e.skew) })
}

// Exec implements driver.Executor.
func (e *skewExecutor) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	return e.inner.Exec(ctx, sql, e.shiftArgs(args)...)
}

// Query implements driver.Executor.
func (e *skewExecutor) Query(ctx context.Context, sql string, args ...any) (driver.Rows, error) {
	rows, err := e.inner.Query(ctx, sql, e.shiftArgs(args)...)
	if err != nil {
		return nil, err
	}
	return skewRows{Rows: rows, e: e}, nil
}

// QueryRow implements driver.Executor.
func (e *skewExecutor) QueryRow(ctx context.Context, sql string, args ...any) driver.Row {
	return skewRow{row: e.inner.QueryRow(ctx, sql, e.shiftArgs(args)...), e: e}
}

// Begin implements driver.Executor.
func (e *skewExecutor) Begin(ctx context.Context) (driver.Tx, error) {
	return beginWrapped(ctx, e.inner, func(tx driver.Executor) driver.Executor {
		return &skewExecutor{inner: tx, skew: e.skew, sent: e.sent}
	})
}

// NewListener implements driver.ListenerFactory when inner does.
func (e *skewExecutor) NewListener(ctx context.Context) (driver.Listener, error) {
	if f, ok := e.inner.(driver.ListenerFactory); ok {
		return f.NewListener(ctx)
	}
	return nil, driver.ErrUnsupported
}

type skewRows struct {
	driver.Rows
	e *skewExecutor
}

func (r skewRows) Scan(dest ...any) error { return r.e.scan(r.Rows.Scan, dest) }

type skewRow struct {
	row driver.Row
	e   *skewExecutor
}

func (r skewRow) Scan(dest ...any) error { return r.e.scan(r.row.Scan, dest) }

// scan runs scan into dest and turns the times it read back to the
// consumer's clock.
func (e *skewExecutor) scan(scan func(...any) error, dest []any) error {
	if err := scan(dest...); err != nil {
		return err
	}
	e.shiftDest(dest)
	return nil
}
