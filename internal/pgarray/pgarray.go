// Package pgarray writes the text of PostgreSQL array literals, which
// every database/sql driver for PostgreSQL passes on as it is: the
// database/sql Executor sends the engine's arrays this way, and tests that
// query through database/sql do too.
package pgarray

import "encoding/hex"
import "strconv"

// Int64s is the literal of an int8[] holding a; "{}" for none.
func Int64s(a []int64) string {
	return literal(a, 8*len(a), func(b []byte, v int64) []byte {
		return strconv.AppendInt(b, v, 10)
	})
}

// Strings is the literal of a text[] holding a, every element quoted;
// "{}" for none.
func Strings(a []string) string {
	size := 0
	for _, s := range a {
		size += len(s) + 3
	}
	return literal(a, size, func(b []byte, s string) []byte {
		b = append(b, '"')
		for j := 0; j < len(s); j++ {
			if s[j] == '"' || s[j] == '\\' {
				b = append(b, '\\')
			}
			b = append(b, s[j])
		}
		return append(b, '"')
	})
}

// Byteas is the literal of a bytea[] holding a, each element in bytea's
// hex format; "{}" for none.
func Byteas(a [][]byte) string {
	size := 0
	for _, x := range a {
		size += hex.EncodedLen(len(x)) + 6
	}
	return literal(a, size, func(b []byte, x []byte) []byte {
		b = append(b, `"\\x`...)
		return append(hex.AppendEncode(b, x), '"')
	})
}

// literal writes a as an array literal, each element appended by elem,
// with size bytes reserved for the elements.
func literal[T any](a []T, size int, elem func([]byte, T) []byte) string {
	b := make([]byte, 0, size+len(a)+2)
	b = append(b, '{')
	for i, v := range a {
		if i > 0 {
			b = append(b, ',')
		}
		b = elem(b, v)
	}
	return string(append(b, '}'))
}
