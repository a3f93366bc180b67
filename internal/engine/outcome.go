package engine

import "errors"
import "fmt"
import "strings"
import "time"
import "unicode/utf8"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/validate"

// Task statuses an outcome writes.
const (
	outcomeCompleted = string(asynqpg.TaskStatusCompleted)
	outcomePending   = string(asynqpg.TaskStatusPending)
	outcomeFailed    = string(asynqpg.TaskStatusFailed)
)

// MaxMessageBytes is the most bytes of an error message recorded in a
// task's messages; longer messages are cut at a UTF-8 boundary and marked
// as truncated.
const MaxMessageBytes = 4096

// ErrHandlerTimeout is the cause of a handler context that reached its
// task type's timeout. A handler still running at its timeout has failed
// the attempt, whatever it returns.
var ErrHandlerTimeout = errors.New("task handler timeout exceeded")

// PanicError is the error of an attempt whose handler panicked. Such an
// attempt fails the task at once.
type PanicError struct {
	// Value is what the handler panicked with.
	Value any
	// Stack is the stack of the panicking goroutine.
	Stack []byte
}

// Error implements the error interface.
func (e *PanicError) Error() string {
	return "task handler panic: " + validate.PanicText(e.Value)
}

// TimeoutError is the error of an attempt whose handler ran past its
// task type's timeout. It matches [ErrHandlerTimeout] and unwraps to what
// the handler returned.
type TimeoutError struct {
	// Timeout is the task type's timeout.
	Timeout time.Duration
	// Err is what the handler returned (nil when it returned nil after
	// the timeout).
	Err error
}

// Error implements the error interface.
func (e *TimeoutError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("task handler timeout (%s) exceeded", e.Timeout)
	}
	return fmt.Sprintf("task handler timeout (%s) exceeded: %s", e.Timeout, validate.ErrorText(e.Err))
}

// Is makes a TimeoutError match [ErrHandlerTimeout].
func (e *TimeoutError) Is(target error) bool { return target == ErrHandlerTimeout }

// Unwrap returns what the handler returned.
func (e *TimeoutError) Unwrap() error { return e.Err }

// Decision is what one attempt's result does to its task.
type Decision struct {
	// Status is the task's new status: completed, pending or failed.
	Status string
	// Spent is 1 for a failed attempt (counted, its message appended),
	// else 0.
	Spent int64
	// Message is the failed attempt's message; empty when Spent is 0.
	Message string
	// Delay is how long a pending task waits before it is ready again.
	Delay time.Duration
	// Kind is the bounded metric status: asynqpg.StatusCompleted,
	// StatusRetried, StatusSnoozed or StatusFailed.
	Kind string
}

// Decide maps the result of an attempt to what happens to its task.
//
// attemptsLeft and attemptsElapsed are the task's counters when the
// attempt was claimed (attemptsLeft includes this attempt). maxAttempts,
// when positive, caps the attempts of the task: a failed attempt that
// brings attempts_elapsed to maxAttempts is final even if attempts_left
// says more.
//
//   - nil: completed.
//   - a [*asynqpg.TaskSnoozeError]: pending after its duration, counters
//     unchanged, no message.
//   - a [*asynqpg.TaskSnoozeWithErrError]: a failed attempt; pending after
//     its duration if attempts remain, else failed.
//   - [asynqpg.ErrSkipRetry] (wrapped or not) or a [*PanicError]: a failed
//     attempt, failed at once.
//   - any other error: a failed attempt; pending after
//     policy.NextRetry(n) if attempts remain, where n counts the retries
//     (1 for the first retry, that is attemptsElapsed+1), else failed.
//
// Delays are clamped to 0..[MaxDelay]. Decide never panics: when the
// error's methods or the policy panic, the attempt has failed and the
// task fails with a message that says what panicked.
func Decide(err error, attemptsLeft, attemptsElapsed, maxAttempts int, policy asynqpg.RetryPolicy) (d Decision) {
	defer func() {
		if v := recover(); v != nil {
			d = Decision{Status: outcomeFailed, Spent: 1, Kind: asynqpg.StatusFailed,
				Message: sanitizeMessage(fmt.Sprintf("deciding the outcome panicked: %s; the attempt failed with: %s",
					validate.PanicText(v), validate.ErrorText(err)))}
		}
	}()
	if err == nil {
		return Decision{Status: outcomeCompleted, Kind: asynqpg.StatusCompleted}
	}
	var snooze *asynqpg.TaskSnoozeError
	if errors.As(err, &snooze) {
		return Decision{Status: outcomePending, Delay: nonNegative(snooze.Duration), Kind: asynqpg.StatusSnoozed}
	}
	failed := Decision{Status: outcomeFailed, Spent: 1, Message: attemptMessage(err), Kind: asynqpg.StatusFailed}
	more := attemptsLeft-1 > 0 && (maxAttempts <= 0 || attemptsElapsed+1 < maxAttempts)
	var snoozeErr *asynqpg.TaskSnoozeWithErrError
	if errors.As(err, &snoozeErr) {
		if !more {
			return failed
		}
		return Decision{Status: outcomePending, Spent: 1, Message: failed.Message,
			Delay: nonNegative(snoozeErr.Duration), Kind: asynqpg.StatusSnoozed}
	}
	var panicErr *PanicError
	if errors.Is(err, asynqpg.ErrSkipRetry) || errors.As(err, &panicErr) || !more {
		return failed
	}
	if policy == nil {
		policy = asynqpg.DefaultRetryPolicy{}
	}
	return Decision{Status: outcomePending, Spent: 1, Message: failed.Message,
		Delay: nonNegative(policy.NextRetry(attemptsElapsed + 1)), Kind: asynqpg.StatusRetried}
}

// attemptMessage is the message recorded for a failed attempt.
func attemptMessage(err error) string {
	msg := validate.ErrorText(err)
	var panicErr *PanicError
	if errors.As(err, &panicErr) && len(panicErr.Stack) > 0 {
		msg += "\n" + string(panicErr.Stack)
	}
	return sanitizeMessage(msg)
}

// sanitizeMessage makes msg storable as PostgreSQL text: valid UTF-8, no
// NUL bytes, at most MaxMessageBytes.
func sanitizeMessage(msg string) string {
	if !utf8.ValidString(msg) {
		msg = strings.ToValidUTF8(msg, "\uFFFD")
	}
	if strings.IndexByte(msg, 0) >= 0 {
		msg = strings.ReplaceAll(msg, "\x00", "")
	}
	if len(msg) <= MaxMessageBytes {
		return msg
	}
	const marker = " …(truncated)"
	cut := MaxMessageBytes - len(marker)
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + marker
}

// MaxDelay is the longest a task waits before it is ready again after a
// retry or a snooze (about 100 years); longer delays, from a RetryPolicy or
// TaskSnooze, are cut to it.
const MaxDelay = validate.MaxDelay

// nonNegative returns d clamped to 0..MaxDelay.
func nonNegative(d time.Duration) time.Duration {
	return min(max(d, 0), MaxDelay)
}
