package scantime_test

import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/internal/scantime"

func TestMap(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 7, 6, 0, 0, 0, time.FixedZone("+02", 2*3600))
	later := func(t time.Time) time.Time { return t.Add(time.Hour) }

	value, pointed, zero := at, at, time.Time{}
	pointer := &pointed
	var nilPointer *time.Time
	other := "not a time"
	scantime.Map([]any{&value, &pointer, &zero, &nilPointer, &other, nil, (*time.Time)(nil)}, later)

	require.Equal(t, at.Add(time.Hour), value)
	require.Equal(t, at.Add(time.Hour), *pointer)
	require.Equal(t, at, pointed, "the time behind a **time.Time is replaced, not written through")
	require.True(t, zero.IsZero(), "a zero time stays zero")
	require.Nil(t, nilPointer)
	require.Equal(t, "not a time", other)
}
