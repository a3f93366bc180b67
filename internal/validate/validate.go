// Package validate holds the checks of the values callers hand to asynqpg
// that the producer, the consumer and the client share, so that a value
// one of them accepts is accepted by all, and the database never has to
// reject what asynqpg could have refused with a clear error.
//
// Every check returns nil or an error whose text names the value and what
// is wrong with it; the fronts wrap it in their own error types.
package validate

import "context"
import "errors"
import "fmt"
import "math"
import "reflect"
import "strings"
import "time"
import "unicode/utf8"

// Limits of the values stored with a task.
const (
	// MaxTypeLength is the longest task type, in bytes. The type names the
	// handler and travels in notifications, which PostgreSQL limits to
	// 8000 bytes, and it is a key of the unique idempotency index.
	MaxTypeLength = 1024
	// MaxIdempotencyTokenLength is the longest idempotency token, in
	// bytes. Together with the type it must fit in one entry of the
	// unique (type, idempotency_token) index, which PostgreSQL limits to
	// about 2700 bytes.
	MaxIdempotencyTokenLength = 1024
	// MaxPayloadSize is the largest task payload, in bytes (16 MiB).
	MaxPayloadSize = 16 << 20
	// MaxAttempts is the largest number of attempts (MaxRetry) the
	// attempts_left column holds.
	MaxAttempts = math.MaxInt32
)

// Limits of durations and counts. Each keeps the arithmetic done with it
// (in Go and in SQL, where intervals are built from microseconds) exact
// and far from overflowing.
const (
	// MaxDelay is the longest delay before a task is ready: a Delay, a
	// retry or a snooze (100 years).
	MaxDelay = 100 * 365 * 24 * time.Hour
	// MaxTimeout is the longest timeout of one attempt (7 days).
	MaxTimeout = 7 * 24 * time.Hour
	// MaxWorkers is the most workers of one task type.
	MaxWorkers = 10_000
	// MinProcessAtYear and MaxProcessAtYear bound the year of a task's
	// ProcessAt: the instants PostgreSQL stores and Unix microseconds
	// count exactly.
	MinProcessAtYear, MaxProcessAtYear = 1, 9999
)

// ErrEmptyType is the error for an empty task type. It begins with the
// original asynqpg's text, which callers match.
var ErrEmptyType = errors.New("task type cannot be empty (empty type: a task needs the type its handler is registered for)")

// TaskType checks a task type: not empty, at most MaxTypeLength bytes,
// storable as PostgreSQL text.
func TaskType(s string) error {
	switch {
	case s == "":
		return ErrEmptyType
	case len(s) > MaxTypeLength:
		return fmt.Errorf("task type of %d bytes exceeds MaxTypeLength (%d bytes)", len(s), MaxTypeLength)
	case !IsText(s):
		return fmt.Errorf("task type %q is not valid UTF-8 text without NUL bytes", s)
	}
	return nil
}

// MaxRetry checks a task's MaxRetry, the number of attempts it is
// given: 1 to MaxAttempts.
func MaxRetry(n int) error {
	switch {
	case n < 1:
		return fmt.Errorf("task max retry must be at least 1, got %d: it is the number of attempts, and 1 runs the task once", n)
	case n > MaxAttempts:
		return fmt.Errorf("task max retry %d exceeds %d", n, MaxAttempts)
	}
	return nil
}

// IdempotencyToken checks an idempotency token: not empty (nil means
// none), at most MaxIdempotencyTokenLength bytes, storable as text.
func IdempotencyToken(s string) error {
	switch {
	case s == "":
		return errors.New("task idempotency token cannot be empty (use nil for none)")
	case len(s) > MaxIdempotencyTokenLength:
		return fmt.Errorf("task idempotency token of %d bytes exceeds MaxIdempotencyTokenLength (%d bytes)",
			len(s), MaxIdempotencyTokenLength)
	case !IsText(s):
		return fmt.Errorf("task idempotency token %q is not valid UTF-8 text without NUL bytes", s)
	}
	return nil
}

// Name checks an identifier a caller chooses, such as a consumer's
// ClientID: what names it (e.g. "Config.ClientID"), not empty, at most max
// bytes, storable as text.
func Name(what, s string, max int) error {
	switch {
	case s == "":
		return fmt.Errorf("%s cannot be empty", what)
	case len(s) > max:
		return fmt.Errorf("%s of %d bytes exceeds %d bytes", what, len(s), max)
	case !IsText(s):
		return fmt.Errorf("%s %q is not valid UTF-8 text without NUL bytes", what, s)
	}
	return nil
}

// IsText reports whether s can be stored in a PostgreSQL text value:
// valid UTF-8 without NUL bytes.
func IsText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// IsNil reports whether v is nil or an interface holding a nil pointer,
// func, map, slice or channel: a value that would panic when used.
func IsNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Func, reflect.Map, reflect.Slice, reflect.Chan, reflect.Interface, reflect.UnsafePointer:
		return rv.IsNil()
	}
	return false
}

// ErrorText returns err.Error(), or, when that panics (a typed nil
// pointer whose method dereferences it, say), a text naming the error's
// type and the panic. It never panics itself.
func ErrorText(err error) (text string) {
	if err == nil {
		return ""
	}
	defer func() {
		if v := recover(); v != nil {
			text = fmt.Sprintf("(%T).Error panicked: %s", err, PanicText(v))
		}
	}()
	return err.Error()
}

// PanicText formats a recovered panic value (or any value) without
// panicking itself, whatever the value's String or Error methods do.
func PanicText(v any) (text string) {
	defer func() {
		if recover() != nil {
			text = fmt.Sprintf("a %T that cannot be printed", v)
		}
	}()
	return fmt.Sprint(v)
}

// ProcessAt checks a task's ProcessAt: the zero time (none), or an instant
// of a year from MinProcessAtYear to MaxProcessAtYear.
func ProcessAt(t time.Time) error {
	if t.IsZero() {
		return nil
	}
	if y := t.UTC().Year(); y < MinProcessAtYear || y > MaxProcessAtYear {
		return fmt.Errorf("task process at %s is outside the years %d to %d", t.UTC().Format(time.RFC3339Nano),
			MinProcessAtYear, MaxProcessAtYear)
	}
	return nil
}

// Positive checks a duration that must be positive and at most max; what
// names it (e.g. "timeout").
func Positive(what string, d, max time.Duration) error {
	return bounded(what, d, max)
}

// bounded checks a value that must be positive and at most max; what
// names it.
func bounded[T int | time.Duration](what string, v, max T) error {
	switch {
	case v <= 0:
		return fmt.Errorf("%s is %v: must be positive", what, v)
	case v > max:
		return fmt.Errorf("%s is %v: must be at most %v", what, v, max)
	}
	return nil
}

// ErrNilContext is returned for a nil context.Context.
var ErrNilContext = errors.New("context cannot be nil")

// Context returns ErrNilContext for a nil ctx.
func Context(ctx context.Context) error {
	if ctx == nil {
		return ErrNilContext
	}
	return nil
}
