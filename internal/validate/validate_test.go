package validate_test

import "errors"
import "fmt"
import "math"
import "strings"
import "testing"
import "time"
import "unicode/utf8"
import "unsafe"

import "github.com/yakser/asynqpg/internal/validate"

// textCase is a case of a check of caller-given text: the error it must
// return (nil for none) is given by a substring of its text.
type textCase struct {
	name    string
	in      string
	wantErr string // "" means accepted
}

// textCases are the boundaries every text check shares, for a limit of max
// bytes.
func textCases(max int) []textCase {
	return []textCase{
		{name: "empty", in: "", wantErr: "empty"},
		{name: "one byte", in: "a"},
		{name: "at the limit", in: strings.Repeat("a", max)},
		{name: "one byte over", in: strings.Repeat("a", max+1), wantErr: fmt.Sprintf("%d bytes", max+1)},
		{name: "multi-byte at the limit", in: strings.Repeat("é", max/2)},
		{name: "multi-byte one byte over", in: strings.Repeat("é", max/2) + "a", wantErr: "exceeds"},
		{name: "NUL byte", in: "a\x00b", wantErr: "not valid UTF-8 text without NUL bytes"},
		{name: "only NUL", in: "\x00", wantErr: "without NUL bytes"},
		{name: "invalid UTF-8", in: "a\xffb", wantErr: "not valid UTF-8"},
		{name: "truncated rune", in: "\xe2\x82", wantErr: "not valid UTF-8"},
		{name: "surrogate half", in: "\xed\xa0\x80", wantErr: "not valid UTF-8"},
		{name: "over the limit and invalid", in: strings.Repeat("\xff", max+1), wantErr: "exceeds"},
		{name: "unicode", in: "email:送信/🚀"},
	}
}

// checkText runs the text cases against check and asserts the error text
// is valid UTF-8 whatever the input.
func checkText(t *testing.T, cases []textCase, check func(string) error) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := check(tc.in)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("refused %q: %v", tc.in, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted %q, want an error containing %q", tc.in, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %q does not contain %q", err, tc.wantErr)
			}
			if !utf8.ValidString(err.Error()) {
				t.Fatalf("error text %q is not valid UTF-8", err)
			}
		})
	}
}

func TestTaskType(t *testing.T) {
	t.Parallel()
	checkText(t, textCases(validate.MaxTypeLength), validate.TaskType)
	if err := validate.TaskType(""); !errors.Is(err, validate.ErrEmptyType) {
		t.Fatalf("TaskType(\"\") = %v, want ErrEmptyType", err)
	}
	if err := validate.TaskType(strings.Repeat("x", validate.MaxTypeLength+1)); !strings.Contains(err.Error(), "MaxTypeLength") {
		t.Fatalf("over-long type error %q does not name MaxTypeLength", err)
	}
	if !strings.HasPrefix(validate.ErrEmptyType.Error(), "task type cannot be empty") {
		t.Fatalf("ErrEmptyType text %q lost its original prefix", validate.ErrEmptyType)
	}
}

func TestIdempotencyToken(t *testing.T) {
	t.Parallel()
	checkText(t, textCases(validate.MaxIdempotencyTokenLength), validate.IdempotencyToken)
	err := validate.IdempotencyToken(strings.Repeat("x", validate.MaxIdempotencyTokenLength+1))
	if !strings.Contains(err.Error(), "MaxIdempotencyTokenLength") {
		t.Fatalf("over-long token error %q does not name MaxIdempotencyTokenLength", err)
	}
}

func TestName(t *testing.T) {
	t.Parallel()
	const max = 64
	checkText(t, textCases(max), func(s string) error { return validate.Name("Config.ClientID", s, max) })
	for _, in := range []string{"", strings.Repeat("a", max+1), "a\x00"} {
		if err := validate.Name("Config.ClientID", in, max); err == nil || !strings.Contains(err.Error(), "Config.ClientID") {
			t.Fatalf("Name(%q) = %v, want an error naming Config.ClientID", in, err)
		}
	}
	if err := validate.Name("x", "a", 0); err == nil {
		t.Fatal("Name accepted a byte over a limit of 0")
	}
}

func TestIsText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"", true},
		{"plain", true},
		{"é🚀送", true},
		{"\uFFFD", true},
		{"\x00", false},
		{"a\x00", false},
		{"\xff", false},
		{"\xc3", false},
		{"\xed\xa0\x80", false},
		{"\xf4\x90\x80\x80", false}, // beyond U+10FFFF
	}
	for _, tc := range tests {
		if got := validate.IsText(tc.in); got != tc.want {
			t.Errorf("IsText(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestProcessAt(t *testing.T) {
	t.Parallel()
	east := time.FixedZone("east", 3600)
	west := time.FixedZone("west", -3600)
	tests := []struct {
		name string
		in   time.Time
		ok   bool
	}{
		{name: "zero time", in: time.Time{}, ok: true},
		{name: "0001-01-01 UTC is the zero time", in: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), ok: true},
		{name: "first nanosecond of year 1", in: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), ok: true},
		{name: "0001-01-01 east of UTC is year 0 in UTC", in: time.Date(1, 1, 1, 0, 0, 0, 0, east)},
		{name: "0001-01-01 west of UTC", in: time.Date(1, 1, 1, 0, 0, 0, 0, west), ok: true},
		{name: "last microsecond of 9999", in: time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC), ok: true},
		{name: "last nanosecond of 9999", in: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), ok: true},
		{name: "9999-12-31 23:30 west of UTC is year 10000", in: time.Date(9999, 12, 31, 23, 30, 0, 0, west)},
		{name: "year 10000", in: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{name: "year 0", in: time.Date(0, 6, 1, 0, 0, 0, 0, time.UTC)},
		{name: "last nanosecond of year 0", in: time.Date(0, 12, 31, 23, 59, 59, 999999999, time.UTC)},
		{name: "negative year", in: time.Date(-5000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{name: "far future", in: time.Date(math.MaxInt32, 1, 1, 0, 0, 0, 0, time.UTC)},
		{name: "now", in: time.Now(), ok: true},
		{name: "unix epoch", in: time.Unix(0, 0), ok: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := validate.ProcessAt(tc.in)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused %v: %v", tc.in, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted %v (UTC year %d)", tc.in, tc.in.UTC().Year())
			}
			if !strings.Contains(err.Error(), "outside the years 1 to 9999") || !utf8.ValidString(err.Error()) {
				t.Fatalf("unexpected error text %q", err)
			}
		})
	}
}

func TestPositive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		d, max  time.Duration
		wantErr string
	}{
		{name: "zero", d: 0, max: validate.MaxTimeout, wantErr: "must be positive"},
		{name: "negative", d: -time.Second, max: validate.MaxTimeout, wantErr: "must be positive"},
		{name: "min int64", d: math.MinInt64, max: validate.MaxTimeout, wantErr: "must be positive"},
		{name: "one nanosecond", d: 1, max: validate.MaxTimeout},
		{name: "timeout at max", d: validate.MaxTimeout, max: validate.MaxTimeout},
		{name: "timeout max+1", d: validate.MaxTimeout + 1, max: validate.MaxTimeout, wantErr: "must be at most 168h0m0s"},
		{name: "delay at max", d: validate.MaxDelay, max: validate.MaxDelay},
		{name: "delay max+1", d: validate.MaxDelay + 1, max: validate.MaxDelay, wantErr: "must be at most"},
		{name: "max int64", d: math.MaxInt64, max: validate.MaxDelay, wantErr: "must be at most"},
		{name: "max int64 with max int64", d: math.MaxInt64, max: math.MaxInt64},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := validate.Positive("timeout", tc.d, tc.max)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("refused %v: %v", tc.d, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "timeout is ") {
				t.Fatalf("Positive(%v, %v) = %v, want an error naming timeout containing %q", tc.d, tc.max, err, tc.wantErr)
			}
		})
	}
}

func TestIsNil(t *testing.T) {
	t.Parallel()
	var (
		n   int
		err error
	)
	tests := []struct {
		name string
		in   any
		want bool
	}{
		{"nil", nil, true},
		{"nil error interface", err, true},
		{"typed nil pointer", (*int)(nil), true},
		{"typed nil error pointer", (*derefError)(nil), true},
		{"nil func", (func())(nil), true},
		{"nil map", map[string]int(nil), true},
		{"nil slice", []byte(nil), true},
		{"nil chan", (chan int)(nil), true},
		{"nil unsafe pointer", unsafe.Pointer(nil), true},
		{"zero int", 0, false},
		{"empty string", "", false},
		{"empty struct", struct{}{}, false},
		{"pointer", &n, false},
		{"func", func() {}, false},
		{"empty map", map[string]int{}, false},
		{"empty slice", []byte{}, false},
		{"chan", make(chan int), false},
		{"error", errors.New("x"), false},
		{"unsafe pointer", unsafe.Pointer(&n), false},
	}
	for _, tc := range tests {
		if got := validate.IsNil(tc.in); got != tc.want {
			t.Errorf("IsNil(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// derefError is an error whose Error dereferences its receiver, as many
// do: a typed nil *derefError panics when read.
type derefError struct{ msg string }

func (e *derefError) Error() string { return e.msg }

// panicError is an error whose Error panics with value.
type panicError struct{ value any }

func (e panicError) Error() string { panic(e.value) }

// badStringer is a value whose String panics with value.
type badStringer struct{ value any }

func (s badStringer) String() string { panic(s.value) }

func TestErrorText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string // the exact text, or with a trailing "…" a prefix
	}{
		{name: "nil", err: nil, want: ""},
		{name: "normal error", err: errors.New("boom"), want: "boom"},
		{name: "wrapped", err: fmt.Errorf("ctx: %w", errors.New("boom")), want: "ctx: boom"},
		{name: "typed nil pointer", err: (*derefError)(nil),
			want: "(*validate_test.derefError).Error panicked: runtime error: invalid memory address or nil pointer dereference"},
		{name: "Error panics with a string", err: panicError{value: "kaboom"},
			want: "(validate_test.panicError).Error panicked: kaboom"},
		{name: "Error panics with an error", err: panicError{value: errors.New("inner")},
			want: "(validate_test.panicError).Error panicked: inner"},
		{name: "Error panics with nil", err: panicError{value: nil},
			want: "(validate_test.panicError).Error panicked: panic called with nil argument…"},
		{name: "Error panics with a value whose String panics", err: panicError{value: badStringer{value: "again"}},
			want: "(validate_test.panicError).Error panicked: %!v(PANIC=String method: again)"},
		{name: "Error panics with a value whose String panics with one whose String panics",
			err:  panicError{value: badStringer{value: badStringer{value: "deep"}}},
			want: "(validate_test.panicError).Error panicked: a validate_test.badStringer that cannot be printed"},
		{name: "Error panics with a typed nil error", err: panicError{value: (*derefError)(nil)},
			want: "(validate_test.panicError).Error panicked: <nil>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := validate.ErrorText(tc.err)
			if prefix, ok := strings.CutSuffix(tc.want, "…"); ok {
				if !strings.HasPrefix(got, prefix) {
					t.Fatalf("ErrorText = %q, want a text beginning %q", got, prefix)
				}
				return
			}
			if got != tc.want {
				t.Fatalf("ErrorText = %q, want %q", got, tc.want)
			}
		})
	}
}

func ExampleTaskType() {
	fmt.Println(validate.TaskType("email:send"))
	fmt.Println(validate.TaskType(""))
	fmt.Println(validate.TaskType(strings.Repeat("x", validate.MaxTypeLength+1)))
	fmt.Println(validate.TaskType("bad\x00type"))
	// Output:
	// <nil>
	// task type cannot be empty (empty type: a task needs the type its handler is registered for)
	// task type of 1025 bytes exceeds MaxTypeLength (1024 bytes)
	// task type "bad\x00type" is not valid UTF-8 text without NUL bytes
}

func ExampleErrorText() {
	var nilErr *derefError // a typed nil: its Error dereferences it
	fmt.Printf("%q\n", validate.ErrorText(nil))
	fmt.Println(validate.ErrorText(errors.New("boom")))
	fmt.Println(validate.ErrorText(nilErr))
	fmt.Println(validate.ErrorText(panicError{value: badStringer{value: badStringer{}}}))
	// Output:
	// ""
	// boom
	// (*validate_test.derefError).Error panicked: runtime error: invalid memory address or nil pointer dereference
	// (validate_test.panicError).Error panicked: a validate_test.badStringer that cannot be printed
}
