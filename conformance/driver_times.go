package conformance

import "context"
import "fmt"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

// epochMicros is the engine's way to turn a timestamptz into Unix
// microseconds (its attempt key).
const epochMicros = `SELECT (extract(epoch FROM $1::timestamptz) * 1000000)::bigint`

func testDriverTimes(t *testing.T, d Driver) {
	t.Parallel()
	b := setupDriver(t, d)
	ctx := context.Background()

	locations := []*time.Location{
		time.UTC,
		time.Local,
		time.FixedZone("IST", 5*3600+30*60),
		time.FixedZone("minus", -(9*3600 + 30*60)),
		time.FixedZone("seconds", 3600+23*60+45),
		time.FixedZone("", 0),
	}
	instants := []time.Time{
		time.Date(2024, 2, 29, 23, 59, 58, 123456000, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Date(2999, 12, 31, 23, 59, 59, 1000, time.UTC),
	}

	t.Run("RoundTrip", func(t *testing.T) {
		b.parallel(t)
		for _, inst := range instants {
			for _, loc := range locations {
				in := inst.In(loc)
				t.Run(fmt.Sprintf("%s in %q", inst.Format(time.RFC3339Nano), loc.String()), func(t *testing.T) {
					var got time.Time
					require.NoError(t, b.Ex.QueryRow(ctx, `SELECT $1::timestamptz`, in).Scan(&got))
					require.Equal(t, time.UTC, got.Location())
					require.True(t, inst.Equal(got), "sent %s, got %s", in, got)
					require.Equal(t, inst, got)

					var micros int64
					require.NoError(t, b.Ex.QueryRow(ctx, epochMicros, in).Scan(&micros))
					require.Equal(t, inst.UnixMicro(), micros)

					var gotPtr *time.Time
					require.NoError(t, b.Ex.QueryRow(ctx, `SELECT $1::timestamptz`, &in).Scan(&gotPtr))
					require.NotNil(t, gotPtr)
					require.Equal(t, inst, *gotPtr)
				})
			}
		}
	})

	t.Run("NanosecondsTruncated", func(t *testing.T) {
		b.parallel(t)
		in := time.Date(2024, 5, 6, 7, 8, 9, 123456999, time.FixedZone("x", 7200))
		var got time.Time
		require.NoError(t, b.Ex.QueryRow(ctx, `SELECT $1::timestamptz`, in).Scan(&got))
		require.Equal(t, time.Date(2024, 5, 6, 5, 8, 9, 123456000, time.UTC), got)
	})

	t.Run("Null", func(t *testing.T) {
		b.parallel(t)
		got := valuePtr(time.Now())
		require.NoError(t, b.Ex.QueryRow(ctx, `SELECT $1::timestamptz`, (*time.Time)(nil)).Scan(&got))
		require.Nil(t, got)
	})

	t.Run("ServerNowInUTC", func(t *testing.T) {
		b.parallel(t)
		var now time.Time
		var nowPtr *time.Time
		require.NoError(t, b.Ex.QueryRow(ctx, `SELECT now(), now()`).Scan(&now, &nowPtr))
		require.False(t, now.IsZero())
		require.Equal(t, time.UTC, now.Location())
		require.NotNil(t, nowPtr)
		require.Equal(t, time.UTC, nowPtr.Location())
		require.Equal(t, now, *nowPtr)
	})

	t.Run("SessionTimeZone", func(t *testing.T) {
		b.parallel(t)
		// Whatever the session's time zone, the instant is the same and
		// comes back in UTC.
		tx, err := b.Ex.Begin(ctx)
		require.NoError(t, err)
		defer func() { _ = tx.Rollback(ctx) }()
		_, err = tx.Exec(ctx, `SET LOCAL TIME ZONE 'Asia/Kathmandu'`)
		require.NoError(t, err)
		inst := instants[0]
		var got time.Time
		require.NoError(t, tx.QueryRow(ctx, `SELECT $1::timestamptz`, inst).Scan(&got))
		require.Equal(t, inst, got)
		require.NoError(t, tx.QueryRow(ctx, `SELECT '2024-02-29 23:59:58.123456+00'::timestamptz`).Scan(&got))
		require.Equal(t, inst, got)
	})

	t.Run("DurationsAsMicroseconds", func(t *testing.T) {
		b.parallel(t)
		durations := []time.Duration{
			0,
			time.Microsecond,
			1500 * time.Millisecond,
			36*time.Hour + 7*time.Microsecond,
			-2 * time.Minute,
			400 * 24 * time.Hour,
		}
		for _, dur := range durations {
			t.Run(dur.String(), func(t *testing.T) {
				var got int64
				require.NoError(t, b.Ex.QueryRow(ctx,
					`SELECT (extract(epoch FROM (now() + $1::bigint * interval '1 microsecond') - now()) * 1000000)::bigint`,
					dur.Microseconds()).Scan(&got))
				require.Equal(t, dur.Microseconds(), got)

				var at time.Time
				var ahead bool
				require.NoError(t, b.Ex.QueryRow(ctx,
					`SELECT now() + $1::bigint * interval '1 microsecond', now() + $1::bigint * interval '1 microsecond' >= now()`,
					dur.Microseconds()).Scan(&at, &ahead))
				require.Equal(t, time.UTC, at.Location())
				require.Equal(t, dur >= 0, ahead)
			})
		}
	})
}
