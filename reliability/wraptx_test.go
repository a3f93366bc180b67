package reliability

import "context"

import "github.com/yakser/asynqpg/driver"

// wrappedTx is a transaction whose statements run on Executor, a wrapper
// of tx, and which tx commits or rolls back.
type wrappedTx struct {
	driver.Executor
	tx driver.Tx
}

func (t wrappedTx) Commit(ctx context.Context) error   { return t.tx.Commit(ctx) }
func (t wrappedTx) Rollback(ctx context.Context) error { return t.tx.Rollback(ctx) }

// beginWrapped begins a transaction (or a savepoint) on inner whose
// statements run on wrap(tx), the wrapper of the new transaction.
func beginWrapped(ctx context.Context, inner driver.Executor, wrap func(driver.Executor) driver.Executor) (driver.Tx, error) {
	tx, err := inner.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return wrappedTx{Executor: wrap(tx), tx: tx}, nil
}
