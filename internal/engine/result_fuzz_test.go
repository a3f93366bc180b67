package engine

import "context"
import "errors"
import "fmt"
import "math"
import "strings"
import "testing"
import "time"
import "unicode/utf8"

import "github.com/yakser/asynqpg"

// fzDerefError is an error whose Error dereferences its receiver: a typed
// nil *fzDerefError panics when read.
type fzDerefError struct{ msg string }

func (e *fzDerefError) Error() string { return e.msg }

// fzPanicError is an error whose Error panics with value.
type fzPanicError struct{ value any }

func (e *fzPanicError) Error() string { panic(e.value) }

// fzPanicMethodError is an error whose method named panicIn ("Is" or
// "As") panics with value; it wraps inner.
type fzPanicMethodError struct {
	msg     string
	panicIn string
	value   any
	inner   error
}

func (e *fzPanicMethodError) Error() string { return e.msg }
func (e *fzPanicMethodError) Unwrap() error { return e.inner }

func (e *fzPanicMethodError) Is(error) bool { e.panicIf("Is"); return false }
func (e *fzPanicMethodError) As(any) bool   { e.panicIf("As"); return false }

// panicIf panics with value when method is the one that panics.
func (e *fzPanicMethodError) panicIf(method string) {
	if e.panicIn == method {
		panic(e.value)
	}
}

// fzStringer is a value whose String panics with value.
type fzStringer struct{ value any }

func (s fzStringer) String() string { panic(s.value) }

// fzPolicy is a RetryPolicy that returns d, or panics with value.
type fzPolicy struct {
	d      time.Duration
	panics bool
	value  any
}

func (p fzPolicy) NextRetry(int) time.Duration {
	if p.panics {
		panic(p.value)
	}
	return p.d
}

// Shapes of a handler's result that FuzzHandlerResult builds.
const (
	shapeNil = iota
	shapeText
	shapeTypedNil
	shapeErrorPanics
	shapeIsPanics
	shapeAsPanics
	shapeSnooze
	shapeSnoozeWithErr
	shapeSkipRetry
	shapePanicError
	shapeHandlerPanics
	shapeTimeout
	shapeJoin
	numShapes
)

// fzPanicValue is a value to panic with: of kind, from text and n; a
// panicking Stringer nests nest more of them.
func fzPanicValue(kind, nest uint8, text string, n int64) any {
	switch kind % 7 {
	case 0:
		return text
	case 1:
		return errors.New(text)
	case 2:
		return n
	case 3:
		return nil
	case 4:
		if nest == 0 {
			return fzStringer{value: text}
		}
		return fzStringer{value: fzPanicValue(kind, nest-1, text, n)}
	case 5:
		return (*fzDerefError)(nil)
	default:
		return []byte(text)
	}
}

// fzResult is a handler's result of one shape: the error it returns, or
// with panics set, the value it panics with.
type fzResult struct {
	err    error
	panics bool
	value  any
}

// buildResult builds the result of shape, wrapped wrap times with %w.
func buildResult(shape, wrap, kind, nest uint8, text string, d int64) fzResult {
	pv := fzPanicValue(kind, nest, text, d)
	var err error
	switch shape % numShapes {
	case shapeNil:
		return fzResult{}
	case shapeText:
		err = errors.New(text)
	case shapeTypedNil:
		err = (*fzDerefError)(nil)
	case shapeErrorPanics:
		err = &fzPanicError{value: pv}
	case shapeIsPanics:
		err = &fzPanicMethodError{msg: text, panicIn: "Is", value: pv, inner: errors.New(text)}
	case shapeAsPanics:
		err = &fzPanicMethodError{msg: text, panicIn: "As", value: pv, inner: &asynqpg.TaskSnoozeError{Duration: time.Duration(d)}}
	case shapeSnooze:
		err = &asynqpg.TaskSnoozeError{Duration: time.Duration(d)}
	case shapeSnoozeWithErr:
		err = &asynqpg.TaskSnoozeWithErrError{Duration: time.Duration(d)}
	case shapeSkipRetry:
		err = asynqpg.ErrSkipRetry
	case shapePanicError:
		err = &PanicError{Value: pv, Stack: []byte(text)}
	case shapeHandlerPanics:
		return fzResult{panics: true, value: pv}
	case shapeTimeout:
		err = &TimeoutError{Timeout: time.Duration(d), Err: errors.New(text)}
	case shapeJoin:
		err = errors.Join(errors.New(text), &asynqpg.TaskSnoozeWithErrError{Duration: time.Duration(d)}, asynqpg.ErrSkipRetry)
	}
	for i := range int(wrap % 8) {
		err = wrapOnce(i, text, err)
	}
	return fzResult{err: err}
}

// fzWrapError wraps err without reading it until its own Error is called.
type fzWrapError struct {
	msg string
	err error
}

func (e *fzWrapError) Error() string { return e.msg + ": " + e.err.Error() }
func (e *fzWrapError) Unwrap() error { return e.err }

// wrapOnce wraps err with fmt.Errorf and %w, or, when reading err panics
// (as fmt.Errorf does), with a *fzWrapError.
func wrapOnce(i int, text string, err error) (wrapped error) {
	defer func() {
		if recover() != nil {
			wrapped = &fzWrapError{msg: text, err: err}
		}
	}()
	if i%2 == 0 {
		return fmt.Errorf("%s: %w", text, err)
	}
	return fmt.Errorf("layer %d: %w", i, err)
}

// safeMatch reports whether match(err) holds, false when it panics.
func safeMatch(err error, match func(error) bool) (ok bool) {
	defer func() { _ = recover() }()
	return match(err)
}

func isPlainSnooze(err error) bool {
	var snooze *asynqpg.TaskSnoozeError
	return errors.As(err, &snooze)
}

// isFinal reports whether err fails its task at once, attempts left or
// not: ErrSkipRetry or a *PanicError, unless it is also a snooze with
// error, which Decide looks for first.
func isFinal(err error) bool {
	var (
		snoozeErr *asynqpg.TaskSnoozeWithErrError
		panicErr  *PanicError
	)
	return !errors.As(err, &snoozeErr) && (errors.Is(err, asynqpg.ErrSkipRetry) || errors.As(err, &panicErr))
}

// examineAndDecide runs r through callHandler, examine and Decide, and
// fails t when one of them panics.
func examineAndDecide(t *testing.T, r fzResult, viaHandler bool, left, elapsed, maxAttempts int,
	policy asynqpg.RetryPolicy) (d Decision, out error) {
	t.Helper()
	var stage string
	defer func() {
		if v := recover(); v != nil {
			t.Fatalf("%s panicked with a %T", stage, v)
		}
	}()
	stage = "callHandler"
	in := r.err
	if viaHandler || r.panics {
		in = callHandler(context.Background(), func(context.Context, *asynqpg.TaskInfo) error {
			if r.panics {
				panic(r.value)
			}
			return r.err
		}, &asynqpg.TaskInfo{})
	}
	stage = "examine"
	out = examine(in)
	stage = "Decide"
	return Decide(out, left, elapsed, maxAttempts, policy), out
}

// checkDecision asserts the invariants of every decision.
func checkDecision(t *testing.T, out error, d Decision, left, elapsed, maxAttempts int) {
	t.Helper()
	switch d.Status {
	case outcomeCompleted, outcomePending, outcomeFailed:
	default:
		t.Fatalf("Status %q is not completed, pending or failed", d.Status)
	}
	switch d.Kind {
	case asynqpg.StatusCompleted, asynqpg.StatusRetried, asynqpg.StatusSnoozed, asynqpg.StatusFailed:
	default:
		t.Fatalf("Kind %q is not a metric status", d.Kind)
	}
	if d.Spent != 0 && d.Spent != 1 {
		t.Fatalf("Spent = %d", d.Spent)
	}
	if d.Delay < 0 || d.Delay > MaxDelay {
		t.Fatalf("Delay %v outside 0..MaxDelay", d.Delay)
	}
	if !utf8.ValidString(d.Message) || strings.IndexByte(d.Message, 0) >= 0 || len(d.Message) > MaxMessageBytes {
		t.Fatalf("Message of %d bytes is not storable text: %q", len(d.Message), d.Message)
	}
	if d.Spent == 0 && d.Message != "" {
		t.Fatalf("a decision that spends no attempt has message %q", d.Message)
	}
	if (d.Status == outcomeCompleted) != (d.Kind == asynqpg.StatusCompleted) {
		t.Fatalf("Status %q with Kind %q", d.Status, d.Kind)
	}
	if d.Status == outcomeFailed && (d.Kind != asynqpg.StatusFailed || d.Spent != 1) {
		t.Fatalf("failed with Kind %q, Spent %d", d.Kind, d.Spent)
	}
	if d.Status != outcomePending && d.Delay != 0 {
		t.Fatalf("%s with a delay of %v", d.Status, d.Delay)
	}
	if out == nil {
		if d.Status != outcomeCompleted || d.Spent != 0 {
			t.Fatalf("nil error decided %+v, want completed", d)
		}
		return
	}
	if d.Status == outcomeCompleted {
		t.Fatalf("error %q decided completed", d.Message)
	}
	if safeMatch(out, isPlainSnooze) {
		if d.Status != outcomePending || d.Kind != asynqpg.StatusSnoozed || d.Spent != 0 {
			t.Fatalf("plain snooze decided %+v", d)
		}
		return
	}
	lastAttempt := left <= 1 || (maxAttempts > 0 && elapsed+1 >= maxAttempts)
	if (lastAttempt || safeMatch(out, isFinal)) && d.Status != outcomeFailed {
		t.Fatalf("left %d, elapsed %d, max %d: %q decided %s, want failed",
			left, elapsed, maxAttempts, d.Message, d.Status)
	}
	if d.Kind == asynqpg.StatusRetried && d.Spent != 1 {
		t.Fatalf("a retry that spends no attempt: %+v", d)
	}
}

func FuzzHandlerResult(f *testing.F) {
	long := strings.Repeat("é", 16) // repeated 125 times by wrap 255
	// data, shape, wrap, viaHandler, kind, nest, d, left, elapsed, maxAttempts, policy, policyDelay
	for shape := range uint8(numShapes) {
		f.Add([]byte("boom"), shape, uint8(0), false, uint8(0), uint8(0), int64(time.Second), int32(3), int32(0), int32(0),
			uint8(0), int64(0))
		f.Add([]byte("a\x00b\xff"), shape, uint8(3), true, shape, uint8(0), int64(-1), int32(1), int32(2), int32(0),
			uint8(1), int64(-time.Hour))
		f.Add([]byte(long), shape, uint8(255), shape%2 == 0, uint8(4), uint8(0), int64(math.MaxInt64), int32(5),
			int32(1), int32(2), uint8(2), int64(math.MaxInt64))
	}
	f.Add([]byte("\xed\xa0\x80"), uint8(shapeSnooze), uint8(1), false, uint8(0), uint8(0), int64(math.MinInt64),
		int32(0), int32(math.MaxInt32), int32(math.MaxInt32), uint8(1), int64(MaxDelay+1))
	f.Add([]byte{}, uint8(shapeText), uint8(0), false, uint8(0), uint8(0), int64(0), int32(math.MinInt32),
		int32(math.MinInt32), int32(math.MinInt32), uint8(1), int64(math.MinInt64))
	f.Add([]byte("x"), uint8(shapeHandlerPanics), uint8(0), true, uint8(3), uint8(0), int64(0), int32(2), int32(0),
		int32(0), uint8(0), int64(0))
	f.Fuzz(func(t *testing.T, data []byte, shape, wrap uint8, viaHandler bool, kind, nest uint8, d int64,
		left, elapsed, maxAttempts int32, policyMode uint8, policyDelay int64) {
		// Long texts come from repeating data, which is kept short so that
		// minimizing an input stays fast.
		text := strings.Repeat(string(data[:min(len(data), 32)]), 1+int(wrap>>3)*4)
		r := buildResult(shape, wrap, kind, nest%4, text, d)
		var policy asynqpg.RetryPolicy
		switch policyMode % 3 {
		case 1:
			policy = fzPolicy{d: time.Duration(policyDelay)}
		case 2:
			policy = fzPolicy{panics: true, value: fzPanicValue(kind, nest%4, text, policyDelay)}
		}
		dec, out := examineAndDecide(t, r, viaHandler, int(left), int(elapsed), int(maxAttempts), policy)
		if r.err == nil && !r.panics && out != nil {
			t.Fatalf("a nil result examined to %T", out)
		}
		checkDecision(t, out, dec, int(left), int(elapsed), int(maxAttempts))
		if p, ok := policy.(fzPolicy); ok && !p.panics && dec.Kind == asynqpg.StatusRetried {
			if want := min(max(p.d, 0), MaxDelay); dec.Delay != want {
				t.Fatalf("retry delay %v, want the policy's %v clamped to %v", dec.Delay, p.d, want)
			}
		}
	})
}

func TestHandlerResultShapes(t *testing.T) {
	t.Parallel()
	text := func(s string) fzResult { return fzResult{err: errors.New(s)} }
	tests := []struct {
		name     string
		r        fzResult
		left     int
		policy   asynqpg.RetryPolicy
		status   string
		kind     string
		delay    time.Duration
		contains string
	}{
		{"nil", fzResult{}, 1, nil, "completed", asynqpg.StatusCompleted, 0, ""},
		{"typed nil error", fzResult{err: (*fzDerefError)(nil)}, 5, nil, "failed", asynqpg.StatusFailed, 0,
			"*engine.fzDerefError the handler returned panicked"},
		{"Error panics", fzResult{err: &fzPanicError{value: "kaboom"}}, 5, nil, "failed", asynqpg.StatusFailed, 0,
			"panicked when read: kaboom"},
		{"Error panics with a value whose String panics", fzResult{err: &fzPanicError{value: fzStringer{value: "x"}}}, 5,
			nil, "failed", asynqpg.StatusFailed, 0, "panicked when read: %!v(PANIC=String method: x)"},
		{"Is panics", fzResult{err: &fzPanicMethodError{msg: "m", panicIn: "Is", value: "is"}}, 5, nil, "failed", asynqpg.StatusFailed, 0,
			"panicked when read: is"},
		{"As panics", fzResult{err: &fzPanicMethodError{msg: "m", panicIn: "As", value: "as"}}, 5, nil, "failed", asynqpg.StatusFailed, 0,
			"panicked when read: as"},
		{"handler panics", fzResult{panics: true, value: "boom"}, 5, nil, "failed", asynqpg.StatusFailed, 0,
			"task handler panic: boom\ngoroutine"},
		{"handler panics with nil", fzResult{panics: true}, 5, nil, "failed", asynqpg.StatusFailed, 0,
			"panic called with nil argument"},
		{"negative snooze", fzResult{err: &asynqpg.TaskSnoozeError{Duration: -time.Hour}}, 0, nil,
			"pending", asynqpg.StatusSnoozed, 0, ""},
		{"endless snooze", fzResult{err: &asynqpg.TaskSnoozeError{Duration: math.MaxInt64}}, 0, nil,
			"pending", asynqpg.StatusSnoozed, MaxDelay, ""},
		{"snooze with error, last attempt", fzResult{err: asynqpg.TaskSnoozeWithError(time.Minute)}, 1, nil,
			"failed", asynqpg.StatusFailed, 0, "snoozed with error"},
		{"negative snooze with error", fzResult{err: &asynqpg.TaskSnoozeWithErrError{Duration: -1}}, 2, nil,
			"pending", asynqpg.StatusSnoozed, 0, "snoozed with error"},
		{"wrapped ErrSkipRetry", buildResult(shapeSkipRetry, 3, 0, 0, "ctx", 0), 5, nil, "failed",
			asynqpg.StatusFailed, 0, "ctx: layer 1: ctx: skip retry"},
		{"PanicError", fzResult{err: &PanicError{Value: 7}}, 5, nil, "failed", asynqpg.StatusFailed, 0,
			"task handler panic: 7"},
		{"NUL and invalid UTF-8", text("a\x00b\xffc"), 1, nil, "failed", asynqpg.StatusFailed, 0, "ab\uFFFDc"},
		{"negative policy delay", text("e"), 2, fzPolicy{d: -time.Hour}, "pending", asynqpg.StatusRetried, 0, "e"},
		{"endless policy delay", text("e"), 2, fzPolicy{d: math.MaxInt64}, "pending", asynqpg.StatusRetried, MaxDelay, "e"},
		{"policy panics", text("e"), 2, fzPolicy{panics: true, value: "p"}, "failed", asynqpg.StatusFailed, 0,
			"deciding the outcome panicked: p; the attempt failed with: e"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, out := examineAndDecide(t, tc.r, true, tc.left, 0, 0, tc.policy)
			checkDecision(t, out, d, tc.left, 0, 0)
			if d.Status != tc.status || d.Kind != tc.kind || d.Delay != tc.delay || !strings.Contains(d.Message, tc.contains) {
				t.Fatalf("decided %+v, want %s/%s after %v with a message containing %q",
					d, tc.status, tc.kind, tc.delay, tc.contains)
			}
		})
	}
}

func TestExamineKeepsReadableErrors(t *testing.T) {
	t.Parallel()
	for _, err := range []error{errors.New("boom"), asynqpg.ErrSkipRetry, &asynqpg.TaskSnoozeError{Duration: -1}} {
		if got := examine(err); got != err {
			t.Fatalf("examine(%v) = %v, want it unchanged", err, got)
		}
	}
	if pe := (*PanicError)(nil); examine(nil) != nil || !errors.As(examine((*fzDerefError)(nil)), &pe) {
		t.Fatal("examine(nil) is not nil, or a typed nil error was not turned into a *PanicError")
	}
}
