package testfixture

import "go.uber.org/goleak"

// IgnorePgxBackgroundReader is the goleak option for the tests that look
// for goroutines left behind while a pgx pool stays open. When a write to
// the server takes more than 15 ms (as it can on a loaded machine), pgx
// starts a background reader on the connection; once stopped, that
// goroutine still waits in its read until the connection next receives
// data or closes. A connection idle in the pool may so keep one. It
// belongs to the pool, not to what the test checks, and it ends with the
// pool.
var IgnorePgxBackgroundReader = goleak.IgnoreAnyFunction(
	"github.com/jackc/pgx/v5/pgconn/internal/bgreader.(*BGReader).bgRead")
