package driver_test

import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/driver"

func TestNormalizeArgs(t *testing.T) {
	t.Parallel()
	zone := time.FixedZone("z", 3*3600+30*60)
	local := time.Date(2024, 1, 2, 3, 4, 5, 678901234, zone)
	utc := time.Date(2024, 1, 1, 23, 34, 5, 678901000, time.UTC)
	text := "text"

	cases := []struct {
		name string
		in   any
		want any
	}{
		{"int64 as is", int64(5), int64(5)},
		{"string as is", "s", "s"},
		{"untyped nil as is", nil, nil},
		{"nil pointer as is", (*string)(nil), (*string)(nil)},
		{"pointer as is", &text, &text},
		{"nil time pointer as is", (*time.Time)(nil), (*time.Time)(nil)},
		{"bytes as is", []byte{1}, []byte{1}},
		{"nil bytes to empty", []byte(nil), []byte{}},
		{"nil int64s to empty", []int64(nil), []int64{}},
		{"nil strings to empty", []string(nil), []string{}},
		{"nil byteas to empty", [][]byte(nil), [][]byte{}},
		{"nil bytea elements to empty", [][]byte{{1}, nil, {2}, nil}, [][]byte{{1}, {}, {2}, {}}},
		{"time to UTC microseconds", local, utc},
		{"time pointer to UTC microseconds", &local, utc},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := driver.NormalizeArgs([]any{tc.in})
			require.Len(t, got, 1)
			require.Equal(t, tc.want, got[0])
			if w, ok := tc.want.(time.Time); ok {
				require.Equal(t, time.UTC, got[0].(time.Time).Location())
				require.True(t, w.Equal(got[0].(time.Time)))
			}
		})
	}
}

func TestNormalizeArgsCopiesOnWrite(t *testing.T) {
	t.Parallel()
	unchanged := []any{int64(1), "x", []byte{2}}
	got := driver.NormalizeArgs(unchanged)
	require.Same(t, &unchanged[0], &got[0], "unchanged arguments are not copied")

	elems := [][]byte{nil, {1}}
	args := []any{int64(1), []byte(nil), elems}
	got = driver.NormalizeArgs(args)
	require.Equal(t, []any{int64(1), []byte{}, [][]byte{{}, {1}}}, got)
	require.Nil(t, args[1], "the caller's slice is left alone")
	require.Nil(t, elems[0], "the caller's array is left alone")

	require.Empty(t, driver.NormalizeArgs(nil))
}

func TestNormalizeTimes(t *testing.T) {
	t.Parallel()
	zone := time.FixedZone("z", -7*3600)
	at := time.Date(2024, 1, 2, 3, 4, 5, 6000, zone)
	atPtr := at
	var (
		plain   = at
		ptr     = &atPtr
		nilPtr  *time.Time
		zero    time.Time
		another = "untouched"
	)
	driver.NormalizeTimes([]any{&plain, &ptr, &nilPtr, &zero, &another, nil})
	require.Equal(t, time.UTC, plain.Location())
	require.True(t, at.Equal(plain))
	require.Equal(t, time.UTC, ptr.Location())
	require.True(t, at.Equal(*ptr))
	require.Equal(t, zone, atPtr.Location(), "the pointed-to time is not modified in place")
	require.Nil(t, nilPtr)
	require.True(t, zero.IsZero())
	require.Equal(t, "untouched", another)
}
