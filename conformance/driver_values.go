package conformance

import "context"
import "encoding/hex"
import "math"
import "reflect"
import "strconv"
import "strings"
import "testing"

import "github.com/stretchr/testify/require"

// trickyText are strings that array literals, quoting and encodings get
// wrong when they are careless.
var trickyText = []string{
	"",
	"plain",
	"NULL",
	"null",
	`"`,
	`\`,
	`\\`,
	`'`,
	",",
	"{",
	"}",
	"{}",
	"a,b",
	`{"key": "va,l\"ue"}`,
	" leading and trailing spaces ",
	"tab\tnewline\ncarriage\rreturn",
	"ünïcödé ☃ 日本語 𝄞",
	`$1 ? :name`,
}

// everyByte is every byte value once.
func everyByte() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// valuePtr returns a pointer to v.
func valuePtr[T any](v T) *T { return &v }

// valueCase is one value sent to PostgreSQL and read back.
type valueCase struct {
	name string
	sql  string
	args []any
	// dest returns a new scan target; want is the value it must hold.
	dest func() any
	want any
}

func testDriverValues(t *testing.T, d Driver) {
	t.Parallel()
	b := setupDriver(t, d)

	newInt64 := func() any { return new(int64) }
	newInt := func() any { return new(int) }
	newString := func() any { return new(string) }
	newBytes := func() any { return new([]byte) }
	newBool := func() any { return new(bool) }
	tricky := strings.Join(trickyText, "|")

	cases := []valueCase{
		{name: "int64 max", sql: `SELECT $1::bigint`, args: []any{int64(math.MaxInt64)}, dest: newInt64, want: int64(math.MaxInt64)},
		{name: "int64 min", sql: `SELECT $1::bigint`, args: []any{int64(math.MinInt64)}, dest: newInt64, want: int64(math.MinInt64)},
		{name: "int64 zero", sql: `SELECT $1::bigint`, args: []any{int64(0)}, dest: newInt64, want: int64(0)},
		{name: "int to bigint", sql: `SELECT $1::bigint`, args: []any{-42}, dest: newInt, want: -42},
		{name: "int to integer", sql: `SELECT $1::integer`, args: []any{7}, dest: newInt, want: 7},
		{name: "integer into int64", sql: `SELECT 2147483647::integer`, dest: newInt64, want: int64(math.MaxInt32)},
		{name: "bigint arithmetic on server", sql: `SELECT $1::bigint + $2::bigint`, args: []any{int64(1) << 40, 5}, dest: newInt64, want: int64(1)<<40 + 5},
		{name: "float64", sql: `SELECT $1::float8`, args: []any{3.25}, dest: func() any { return new(float64) }, want: 3.25},
		{name: "bool true", sql: `SELECT $1::bool`, args: []any{true}, dest: newBool, want: true},
		{name: "bool false", sql: `SELECT $1::bool`, args: []any{false}, dest: newBool, want: false},
		{name: "bool computed", sql: `SELECT $1::bigint = 3`, args: []any{int64(3)}, dest: newBool, want: true},
		{name: "string empty", sql: `SELECT $1::text`, args: []any{""}, dest: newString, want: ""},
		{name: "string tricky", sql: `SELECT $1::text`, args: []any{tricky}, dest: newString, want: tricky},
		{name: "string length on server", sql: `SELECT char_length($1::text)`, args: []any{"ünï☃𝄞"}, dest: newInt64, want: int64(5)},
		{name: "string compared on server", sql: `SELECT $1::text = E'tab\tnewline\ncarriage\rreturn'`, args: []any{"tab\tnewline\ncarriage\rreturn"}, dest: newBool, want: true},
		{name: "bytes empty", sql: `SELECT $1::bytea`, args: []any{[]byte{}}, dest: newBytes, want: []byte{}},
		{name: "bytes nil is empty, not NULL", sql: `SELECT $1::bytea IS NOT NULL AND length($1::bytea) = 0`, args: []any{[]byte(nil)}, dest: newBool, want: true},
		{name: "bytes all values", sql: `SELECT $1::bytea`, args: []any{everyByte()}, dest: newBytes, want: everyByte()},
		{name: "bytes all values on server", sql: `SELECT encode($1::bytea, 'hex')`, args: []any{everyByte()}, dest: newString, want: hex.EncodeToString(everyByte())},
		{name: "nullable text nil", sql: `SELECT $1::text`, args: []any{(*string)(nil)}, dest: func() any { return new(*string) }, want: (*string)(nil)},
		{name: "nullable text set", sql: `SELECT $1::text`, args: []any{valuePtr("token, \"quoted\"")}, dest: func() any { return new(*string) }, want: valuePtr("token, \"quoted\"")},
		{name: "nullable text nil is NULL on server", sql: `SELECT $1::text IS NULL`, args: []any{(*string)(nil)}, dest: newBool, want: true},
		{name: "untyped nil is NULL", sql: `SELECT $1::bigint IS NULL`, args: []any{nil}, dest: newBool, want: true},
		{name: "nullable bigint nil", sql: `SELECT $1::bigint`, args: []any{(*int64)(nil)}, dest: func() any { return new(*int64) }, want: (*int64)(nil)},
		{name: "nullable bigint set", sql: `SELECT $1::bigint`, args: []any{valuePtr(int64(9))}, dest: func() any { return new(*int64) }, want: valuePtr(int64(9))},
		{name: "NULL into nullable text", sql: `SELECT NULL::text`, dest: func() any { return new(*string) }, want: (*string)(nil)},
	}
	cases = append(cases, arrayCases()...)

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b.parallel(t)
			ctx := context.Background()

			dest := tc.dest()
			require.NoError(t, b.Ex.QueryRow(ctx, tc.sql, tc.args...).Scan(dest))
			require.Equal(t, tc.want, reflect.ValueOf(dest).Elem().Interface())

			// The same through Query.
			rows, err := b.Ex.Query(ctx, tc.sql, tc.args...)
			require.NoError(t, err)
			defer rows.Close()
			require.True(t, rows.Next(), "Query returned no row: %v", rows.Err())
			dest = tc.dest()
			require.NoError(t, rows.Scan(dest))
			require.Equal(t, tc.want, reflect.ValueOf(dest).Elem().Interface())
			require.False(t, rows.Next())
			require.NoError(t, rows.Err())
		})
	}
}

// arrayCases are the bigint[], text[] and bytea[] cases: round trips, and
// what the server sees (element count and each element, hex-encoded).
func arrayCases() []valueCase {
	newInts := func() any { return new([]int64) }
	newStrings := func() any { return new([]string) }
	newByteas := func() any { return new([][]byte) }
	newString := func() any { return new(string) }
	newInt64 := func() any { return new(int64) }

	ints := []int64{math.MinInt64, -1, 0, 1, 42, math.MaxInt64}
	intsText := make([]string, len(ints))
	for i, v := range ints {
		intsText[i] = strconv.FormatInt(v, 10)
	}
	textHex := func(ss []string) string {
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = hex.EncodeToString([]byte(s))
		}
		return strings.Join(out, ",")
	}
	byteas := [][]byte{{}, everyByte(), []byte(`{"a",\b}`), {0}, []byte("NULL")}
	byteasHex := make([]string, len(byteas))
	for i, v := range byteas {
		byteasHex[i] = hex.EncodeToString(v)
	}

	const (
		textElems  = `SELECT coalesce(string_agg(encode(convert_to(x, 'UTF8'), 'hex'), ',' ORDER BY n), '') FROM unnest($1::text[]) WITH ORDINALITY AS u(x, n)`
		byteaElems = `SELECT coalesce(string_agg(encode(x, 'hex'), ',' ORDER BY n), '') FROM unnest($1::bytea[]) WITH ORDINALITY AS u(x, n)`
	)

	return []valueCase{
		{name: "bigint[] empty", sql: `SELECT $1::bigint[]`, args: []any{[]int64{}}, dest: newInts, want: []int64{}},
		{name: "bigint[] one", sql: `SELECT $1::bigint[]`, args: []any{[]int64{7}}, dest: newInts, want: []int64{7}},
		{name: "bigint[] many", sql: `SELECT $1::bigint[]`, args: []any{ints}, dest: newInts, want: ints},
		{name: "bigint[] on server", sql: `SELECT array_to_string($1::bigint[], ',')`, args: []any{ints}, dest: newString, want: strings.Join(intsText, ",")},
		{name: "bigint[] nil is empty, not NULL", sql: `SELECT cardinality($1::bigint[])`, args: []any{[]int64(nil)}, dest: newInt64, want: int64(0)},
		{name: "bigint[] NULL scans to nil", sql: `SELECT NULL::bigint[]`, dest: newInts, want: []int64(nil)},
		{name: "bigint[] from unnest", sql: `SELECT array_agg(x ORDER BY x) FROM unnest($1::bigint[]) AS u(x)`, args: []any{[]int64{3, 1, 2}}, dest: newInts, want: []int64{1, 2, 3}},
		{name: "text[] empty", sql: `SELECT $1::text[]`, args: []any{[]string{}}, dest: newStrings, want: []string{}},
		{name: "text[] one", sql: `SELECT $1::text[]`, args: []any{[]string{"one"}}, dest: newStrings, want: []string{"one"}},
		{name: "text[] tricky", sql: `SELECT $1::text[]`, args: []any{trickyText}, dest: newStrings, want: trickyText},
		{name: "text[] tricky on server", sql: textElems, args: []any{trickyText}, dest: newString, want: textHex(trickyText)},
		{name: "text[] count on server", sql: `SELECT cardinality($1::text[])`, args: []any{trickyText}, dest: newInt64, want: int64(len(trickyText))},
		{name: "text[] nil is empty, not NULL", sql: `SELECT cardinality($1::text[])`, args: []any{[]string(nil)}, dest: newInt64, want: int64(0)},
		{name: "text[] NULL scans to nil", sql: `SELECT NULL::text[]`, dest: newStrings, want: []string(nil)},
		{name: "text[] no NULL elements", sql: `SELECT count(*) FROM unnest($1::text[]) AS u(x) WHERE x IS NULL`, args: []any{trickyText}, dest: newInt64, want: int64(0)},
		{name: "bytea[] empty", sql: `SELECT $1::bytea[]`, args: []any{[][]byte{}}, dest: newByteas, want: [][]byte{}},
		{name: "bytea[] one", sql: `SELECT $1::bytea[]`, args: []any{[][]byte{everyByte()}}, dest: newByteas, want: [][]byte{everyByte()}},
		{name: "bytea[] many", sql: `SELECT $1::bytea[]`, args: []any{byteas}, dest: newByteas, want: byteas},
		{name: "bytea[] on server", sql: byteaElems, args: []any{byteas}, dest: newString, want: strings.Join(byteasHex, ",")},
		{name: "bytea[] nil element is empty, not NULL", sql: byteaElems + ` WHERE x IS NOT NULL`, args: []any{[][]byte{[]byte("a"), nil, []byte("b")}}, dest: newString, want: "61,,62"},
		{name: "bytea[] nil is empty, not NULL", sql: `SELECT cardinality($1::bytea[])`, args: []any{[][]byte(nil)}, dest: newInt64, want: int64(0)},
	}
}
