package engine

import "errors"
import "fmt"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/validate"

// ErrNoPool is the error of the fronts' New (producer, consumer, client)
// for a Config without a Pool, or with a nil one (the original's text).
var ErrNoPool = errors.New("database pool is required")

// ResolvePool returns the Executor behind the Config.Pool of front (the
// name of the package, "producer", "consumer" or "client", which prefixes
// its errors): ErrNoPool for a nil pool, and the error of driver.Resolve,
// wrapped, for a pool with nothing behind it or of a type asynqpg cannot
// use.
func ResolvePool(front string, pool asynqpg.Pool) (driver.Executor, error) {
	if validate.IsNil(pool) {
		return nil, ErrNoPool
	}
	ex, err := driver.Resolve(pool)
	if err != nil {
		return nil, fmt.Errorf("%s: Config.Pool: %w", front, err)
	}
	return ex, nil
}
