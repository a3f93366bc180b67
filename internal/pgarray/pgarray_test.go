package pgarray_test

import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/internal/pgarray"

func TestLiterals(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		got, want string
	}{
		"int8[] empty":       {pgarray.Int64s(nil), "{}"},
		"int8[]":             {pgarray.Int64s([]int64{1, -2, 9223372036854775807}), "{1,-2,9223372036854775807}"},
		"text[] empty":       {pgarray.Strings(nil), "{}"},
		"text[] quoted":      {pgarray.Strings([]string{"a", "", "b,c", "NULL"}), `{"a","","b,c","NULL"}`},
		"text[] escaped":     {pgarray.Strings([]string{`say "hi"`, `back\slash`}), `{"say \"hi\"","back\\slash"}`},
		"bytea[] empty":      {pgarray.Byteas(nil), "{}"},
		"bytea[] hex format": {pgarray.Byteas([][]byte{{}, {0x00, 0xff}, []byte("x")}), `{"\\x","\\x00ff","\\x78"}`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, tt.got)
		})
	}
}
