package engine

import "testing"
import "time"

import "github.com/stretchr/testify/require"

// utc parses an RFC 3339 instant for the schedule tests.
func utc(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)
	return at.UTC()
}

func TestParseScheduleNext(t *testing.T) {
	t.Parallel()
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	for _, tc := range []struct {
		spec, after, want string
	}{
		{"@every 1s", "2026-12-07T06:00:00Z", "2026-12-07T06:00:01Z"},
		{"@every 1s", "2026-12-07T06:00:00.5Z", "2026-12-07T06:00:01Z"},
		{"@every 30s", "2026-12-07T06:00:29.999999Z", "2026-12-07T06:00:30Z"},
		{"@every 7s", "1970-01-01T00:00:00Z", "1970-01-01T00:00:07Z"},
		{"@every 7s", "2026-12-07T06:00:00Z", time.UnixMicro((time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC).Unix()/7 + 1) * 7 * 1e6).UTC().Format(time.RFC3339Nano)},
		{"@every 90m", "2026-12-07T06:00:00Z", "2026-12-07T07:30:00Z"},
		{"  @every\t2h ", "2026-12-07T05:00:00Z", "2026-12-07T06:00:00Z"},
		{"@hourly", "2026-12-07T06:00:00Z", "2026-12-07T07:00:00Z"},
		{"@daily", "2026-12-07T06:00:00Z", "2026-12-08T00:00:00Z"},
		{"*/5 * * * *", "2026-12-07T06:01:00Z", "2026-12-07T06:05:00Z"},
		{"0 9 * * MON", "2026-12-07T06:00:00Z", "2026-12-07T09:00:00Z"},
		{"CRON_TZ=Europe/Paris 0 9 * * *", "2026-12-07T06:00:00Z",
			time.Date(2026, 12, 7, 9, 0, 0, 0, paris).UTC().Format(time.RFC3339)},
	} {
		t.Run(tc.spec+" after "+tc.after, func(t *testing.T) {
			s, err := ParseSchedule(tc.spec)
			require.NoError(t, err)
			got := s.Next(utc(t, tc.after))
			require.Equal(t, utc(t, tc.want), got)
			require.Equal(t, time.UTC, got.Location())
		})
	}
}

func TestParseScheduleRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		spec, want string
	}{
		{"", `schedule "" is empty`},
		{"   ", `schedule "   " is empty`},
		{"@every", `schedule "@every": want "@every <duration>"`},
		{"@everyday", `schedule "@everyday": want "@every <duration>"`},
		{"@every soon", `schedule "@every soon": time: invalid duration`},
		{"@every 999ms", `schedule "@every 999ms": period 999ms is shorter than the minimum, 1s`},
		{"@every -5s", `schedule "@every -5s": period -5s is shorter than the minimum, 1s`},
		{"@every 1.0000005s", `schedule "@every 1.0000005s": period 1.0000005s is not a whole number of microseconds`},
		{"CRON_TZ=UTC @every 5s", `schedule "CRON_TZ=UTC @every 5s": an @every schedule takes no time zone`},
		{"* * * *", `schedule "* * * *": expected exactly 5 fields`},
		{"0 0 * * * *", `schedule "0 0 * * * *": expected exactly 5 fields`},
		{"61 * * * *", `schedule "61 * * * *": end of range (61) above maximum (59)`},
		{"@fortnightly", `schedule "@fortnightly": unrecognized descriptor`},
		{"0 0 30 2 *", `schedule "0 0 30 2 *" has no instant in the next five years`},
		{"CRON_TZ=Mars/Olympus 0 * * * *", `schedule "CRON_TZ=Mars/Olympus 0 * * * *": provided bad location`},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			s, err := ParseSchedule(tc.spec)
			require.Nil(t, s)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestLatestInstant(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		spec, now, want string
	}{
		{"@every 1s", "2026-12-07T06:00:00.5Z", "2026-12-07T06:00:00Z"},
		{"@every 1s", "2026-12-07T06:00:00Z", "2026-12-07T06:00:00Z"},
		{"@every 90m", "2026-12-07T07:29:59Z", "2026-12-07T06:00:00Z"},
		{"@hourly", "2026-12-07T06:59:59Z", "2026-12-07T06:00:00Z"},
		{"0 9 * * MON", "2026-12-07T08:00:00Z", "2026-11-30T09:00:00Z"},
		{"@yearly", "2026-12-07T06:00:00Z", "2026-01-01T00:00:00Z"},
		{"0 0 29 2 *", "2026-12-07T06:00:00Z", "2024-02-29T00:00:00Z"},
	} {
		t.Run(tc.spec+" at "+tc.now, func(t *testing.T) {
			s, err := ParseSchedule(tc.spec)
			require.NoError(t, err)
			require.Equal(t, utc(t, tc.want), latestInstant(s, utc(t, tc.now)))
		})
	}
}
