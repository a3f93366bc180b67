package asynqpgtest_test

import "fmt"
import "strings"
import "sync"
import "testing"

// recorder is a testing.TB that records the failures reported to it
// instead of failing the test; everything else goes to the real test.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	failed bool
	fatal  bool
	msgs   []string
}

func record(t *testing.T) *recorder { return &recorder{TB: t} }

func (r *recorder) Helper() {}

func (r *recorder) fail(fatal bool, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
	r.fatal = r.fatal || fatal
	if msg != "" {
		r.msgs = append(r.msgs, msg)
	}
}

func (r *recorder) Error(args ...any)                 { r.fail(false, fmt.Sprint(args...)) }
func (r *recorder) Errorf(format string, args ...any) { r.fail(false, fmt.Sprintf(format, args...)) }
func (r *recorder) Fatal(args ...any)                 { r.fail(true, fmt.Sprint(args...)) }
func (r *recorder) Fatalf(format string, args ...any) { r.fail(true, fmt.Sprintf(format, args...)) }
func (r *recorder) Fail()                             { r.fail(false, "") }
func (r *recorder) FailNow()                          { r.fail(true, "") }

func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

// requirePassed fails t when r recorded a failure.
func (r *recorder) requirePassed(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failed {
		t.Fatalf("the check failed, expected it to pass: %q", r.msgs)
	}
}

// requireFailed fails t unless r recorded a fatal failure whose messages
// contain every one of want.
func (r *recorder) requireFailed(t *testing.T, want ...string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.fatal {
		t.Fatalf("the check passed (or did not stop the test), expected it to fail; messages %q", r.msgs)
	}
	all := strings.Join(r.msgs, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("failure message does not contain %q:\n%s", w, all)
		}
	}
}
