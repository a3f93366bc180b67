package reliability

import "sync"
import "testing"

// connectionBudget bounds the database connections that the scenarios of
// this package hold at once, so that they stay well within the server's
// max_connections (100 by default) next to the tests of other packages
// that `go test ./...` runs at the same time. Each scenario claims what
// its pools and processes may open, and waits while the budget is spent.
const connectionBudget = 45

var budget = struct {
	mu   sync.Mutex
	cond *sync.Cond
	used int
}{}

func init() { budget.cond = sync.NewCond(&budget.mu) }

// useConnections claims n connections of the budget until the test ends.
func useConnections(t testing.TB, n int) {
	t.Helper()
	n = min(n, connectionBudget)
	budget.mu.Lock()
	for budget.used+n > connectionBudget {
		budget.cond.Wait()
	}
	budget.used += n
	budget.mu.Unlock()
	t.Cleanup(func() {
		budget.mu.Lock()
		budget.used -= n
		budget.cond.Broadcast()
		budget.mu.Unlock()
	})
}
