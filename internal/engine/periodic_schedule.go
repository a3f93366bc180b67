package engine

import "fmt"
import "strings"
import "time"

import "github.com/robfig/cron/v3"

// MinPeriodicEvery is the shortest period of an "@every" schedule. Each
// instant costs a transaction on the leader; a shorter period would also
// leave too little time to hand an instant over between leaders.
const MinPeriodicEvery = time.Second

// Schedule yields the instants of a periodic task.
type Schedule interface {
	// Next returns the first instant strictly after t, in UTC, or the zero
	// time when there is none.
	Next(t time.Time) time.Time
}

// cronParser reads five-field cron expressions and the descriptors
// (@yearly, @monthly, @weekly, @daily, @hourly); "@every" is read by
// ParseSchedule itself.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule reads a periodic task's schedule:
//
//   - a cron expression of five fields (minute, hour, day of month, month,
//     day of week), such as "*/5 * * * *";
//   - a descriptor: @yearly (@annually), @monthly, @weekly, @daily
//     (@midnight) or @hourly;
//   - "@every d", with d a Go duration of at least [MinPeriodicEvery] and a
//     whole number of microseconds: the instants are the multiples of d
//     since the Unix epoch, so every consumer computes the same ones
//     whenever it starts.
//
// Cron expressions and descriptors are read in UTC, so that consumers in
// different time zones agree; a "CRON_TZ=Area/City " prefix chooses another
// zone. The error names the schedule.
func ParseSchedule(spec string) (Schedule, error) {
	text := strings.TrimSpace(spec)
	if text == "" {
		return nil, fmt.Errorf("schedule %q is empty", spec)
	}
	if rest, ok := strings.CutPrefix(text, "@every"); ok {
		return parseEvery(spec, rest)
	}
	if !strings.HasPrefix(text, "CRON_TZ=") && !strings.HasPrefix(text, "TZ=") {
		text = "CRON_TZ=UTC " + text
	}
	s, err := cronParser.Parse(text)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	if _, ok := s.(cron.ConstantDelaySchedule); ok {
		return nil, fmt.Errorf("schedule %q: an @every schedule takes no time zone: write \"@every <duration>\" alone", spec)
	}
	if s.Next(time.Now()).IsZero() {
		return nil, fmt.Errorf("schedule %q has no instant in the next five years", spec)
	}
	return cronSchedule{s}, nil
}

// parseEvery reads the duration of "@every d"; rest is what follows
// "@every", spec the whole schedule for errors.
func parseEvery(spec, rest string) (Schedule, error) {
	if rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
		return nil, fmt.Errorf("schedule %q: want \"@every <duration>\", such as \"@every 30s\"", spec)
	}
	d, err := time.ParseDuration(strings.TrimSpace(rest))
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	switch {
	case d < MinPeriodicEvery:
		return nil, fmt.Errorf("schedule %q: period %v is shorter than the minimum, %v", spec, d, MinPeriodicEvery)
	case d%time.Microsecond != 0:
		return nil, fmt.Errorf("schedule %q: period %v is not a whole number of microseconds", spec, d)
	}
	return everySchedule{us: d.Microseconds()}, nil
}

// everySchedule is "@every d": the multiples of d (us microseconds) since
// the Unix epoch.
type everySchedule struct{ us int64 }

// Next implements Schedule.
func (e everySchedule) Next(t time.Time) time.Time {
	us := t.UnixMicro() // truncated: an instant a nanosecond past t's microsecond is still after t
	n := us / e.us
	if us < 0 && us%e.us != 0 {
		n-- // floor, not truncation, before the epoch
	}
	return time.UnixMicro((n + 1) * e.us).UTC()
}

// cronSchedule is a cron expression or descriptor.
type cronSchedule struct{ s cron.Schedule }

// Next implements Schedule.
func (c cronSchedule) Next(t time.Time) time.Time {
	n := c.s.Next(t)
	if n.IsZero() {
		return n
	}
	return n.UTC()
}

// lookBack are the spans latestInstant searches back from now, shortest
// first, so that it walks few instants of a frequent schedule and still
// finds those of a rare one.
var lookBack = []time.Duration{
	time.Minute, time.Hour, 24 * time.Hour, 32 * 24 * time.Hour, 367 * 24 * time.Hour, 5 * 367 * 24 * time.Hour,
}

// latestInstant returns the last instant of s at or before now, or the
// zero time when there is none within five years.
func latestInstant(s Schedule, now time.Time) time.Time {
	for _, span := range lookBack {
		at := s.Next(now.Add(-span))
		if at.IsZero() || at.After(now) {
			continue
		}
		for n := s.Next(at); !n.IsZero() && !n.After(now); n = s.Next(n) {
			at = n
		}
		return at
	}
	return time.Time{}
}
