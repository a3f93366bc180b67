package validate_test

import "strings"
import "testing"
import "time"
import "unicode/utf8"

import "github.com/yakser/asynqpg/internal/validate"

// textSeed is a seed of a text fuzz target: the text is pad bytes "a"
// followed by s, so that long texts come from short inputs, which keeps
// minimizing them fast.
type textSeed struct {
	s   string
	pad uint16
}

// textSeeds are the boundary cases of a text check with a limit of max
// bytes.
func textSeeds(max int) []textSeed {
	m := uint16(max)
	return []textSeed{
		{"", 0}, {"a", 0}, {"email:send", 0},
		{"", m}, {"a", m - 1}, {"a", m}, {"é", m - 2}, {"é", m - 1}, {"\xff", m - 1},
		{"\x00", 0}, {"a\x00b", 0}, {"\xff", 0}, {"a\xffb", 0}, {"\xe2\x82", 0},
		{"\xed\xa0\x80", 0}, {"\xf4\x90\x80\x80", 0}, {"送信🚀", 0}, {"\x00", m},
	}
}

// fuzzText is the text of a fuzz input: pad bytes "a" (at most max+1)
// followed by the first 64 bytes of s.
func fuzzText(s string, pad uint16, max int) string {
	return strings.Repeat("a", int(pad)%(max+2)) + s[:min(len(s), 64)]
}

// checkTextInvariants asserts what a text check promises of s and its
// result err: an accepted s is storable text within max bytes; a refused
// one gets a non-empty error text that is itself valid UTF-8.
func checkTextInvariants(t *testing.T, s string, max int, err error) {
	t.Helper()
	if err == nil {
		if s == "" {
			t.Fatal("accepted the empty string")
		}
		if !validate.IsText(s) {
			t.Fatalf("accepted %q, which is not valid UTF-8 text without NUL bytes", s)
		}
		if len(s) > max {
			t.Fatalf("accepted %d bytes, over the limit of %d", len(s), max)
		}
		return
	}
	msg := err.Error()
	if msg == "" {
		t.Fatalf("refused %q with an empty error text", s)
	}
	if !utf8.ValidString(msg) {
		t.Fatalf("refused %q with an error text that is not valid UTF-8: %q", s, msg)
	}
	if s != "" && validate.IsText(s) && len(s) <= max {
		t.Fatalf("refused %q, which is storable text within %d bytes: %v", s, max, err)
	}
}

// fuzzTextField fuzzes check, the validation of a text field of at most
// maxLen bytes, from the text seeds.
func fuzzTextField(f *testing.F, maxLen int, check func(string) error) {
	for _, seed := range textSeeds(maxLen) {
		f.Add(seed.s, seed.pad)
	}
	f.Fuzz(func(t *testing.T, s string, pad uint16) {
		s = fuzzText(s, pad, maxLen)
		checkTextInvariants(t, s, maxLen, check(s))
	})
}

func FuzzTaskType(f *testing.F) {
	fuzzTextField(f, validate.MaxTypeLength, validate.TaskType)
}

func FuzzIdempotencyToken(f *testing.F) {
	fuzzTextField(f, validate.MaxIdempotencyTokenLength, validate.IdempotencyToken)
}

func FuzzProcessAt(f *testing.F) {
	// year, month, day, hour, nsec, offset (seconds east of UTC).
	f.Add(1, 1, 1, 0, 0, 0)                   // the zero time
	f.Add(1, 1, 1, 0, 1, 0)                   // a nanosecond after it
	f.Add(1, 1, 1, 0, 0, 3600)                // year 0 in UTC
	f.Add(1, 1, 1, 0, 0, -3600)               // year 1 in UTC
	f.Add(9999, 12, 31, 23, 999999999, 0)     // the last nanosecond of 9999
	f.Add(9999, 12, 31, 23, 0, -3600)         // year 10000 in UTC
	f.Add(10000, 1, 1, 0, 0, 0)               // year 10000
	f.Add(0, 1, 1, 0, 0, 0)                   // year 0
	f.Add(-1, 13, 32, 25, -1, 0)              // out-of-range fields normalize
	f.Add(2026, 2, 29, 12, 500, 14*3600)      // not a leap year
	f.Add(1<<40, 1, 1, 0, 0, 0)               // far beyond year 9999
	f.Add(-(1 << 40), 1, 1, 0, 0, 0)          // far before year 1
	f.Add(1970, 1, 1, 0, 0, -(1 << 31))       // a huge offset
	f.Add(int(^uint(0)>>1), 1, 1, 0, 0, 0)    // max int year
	f.Add(-int(^uint(0)>>1)-1, 1, 1, 0, 0, 0) // min int year
	f.Fuzz(func(t *testing.T, year, month, day, hour, nsec, offset int) {
		loc := time.UTC
		if offset != 0 {
			loc = time.FixedZone("fuzz", offset)
		}
		at := time.Date(year, time.Month(month), day, hour, 0, 0, nsec, loc)
		err := validate.ProcessAt(at)
		y := at.UTC().Year()
		inRange := at.IsZero() || (y >= validate.MinProcessAtYear && y <= validate.MaxProcessAtYear)
		if err == nil {
			if !inRange {
				t.Fatalf("accepted %v (UTC year %d)", at, y)
			}
			return
		}
		if inRange {
			t.Fatalf("refused %v (UTC year %d): %v", at, y, err)
		}
		if msg := err.Error(); msg == "" || !utf8.ValidString(msg) {
			t.Fatalf("refused %v with a bad error text %q", at, msg)
		}
	})
}
