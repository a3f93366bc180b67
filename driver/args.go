package driver

import "time"

// NormalizeArgs returns args with the engine's values put in the one form
// every adapter sends the same way, copying args only when something
// changes:
//
//   - only pointers (and an untyped nil) are NULL: a nil []byte is an empty
//     bytea, a nil []int64, []string or [][]byte an empty array, and a nil
//     element of a [][]byte an empty bytea;
//   - a time.Time, or a non-nil *time.Time, is sent in UTC, truncated to
//     the microsecond PostgreSQL stores (drivers that send text would
//     otherwise round where binary ones truncate).
//
// Adapters call it before handing arguments to their library.
func NormalizeArgs(args []any) []any {
	return replaceEach(args, normalizeArg)
}

// replaceEach returns vals with each value that conv changes replaced by
// what conv returns for it, copying vals only when conv changes one.
func replaceEach(vals []any, conv func(any) (any, bool)) []any {
	var out []any
	for i, v := range vals {
		c, changed := conv(v)
		if !changed {
			continue
		}
		if out == nil {
			out = make([]any, len(vals))
			copy(out, vals)
		}
		out[i] = c
	}
	if out == nil {
		return vals
	}
	return out
}

// normalizeArg returns the normalized form of a, and whether it differs.
func normalizeArg(a any) (any, bool) {
	switch v := a.(type) {
	case []byte:
		if v == nil {
			return []byte{}, true
		}
	case []int64:
		if v == nil {
			return []int64{}, true
		}
	case []string:
		if v == nil {
			return []string{}, true
		}
	case [][]byte:
		if v == nil {
			return [][]byte{}, true
		}
		for i, b := range v {
			if b != nil {
				continue
			}
			c := make([][]byte, len(v))
			copy(c, v)
			for j := i; j < len(c); j++ {
				if c[j] == nil {
					c[j] = []byte{}
				}
			}
			return c, true
		}
	case time.Time:
		return v.UTC().Truncate(time.Microsecond), true
	case *time.Time:
		if v != nil {
			return v.UTC().Truncate(time.Microsecond), true
		}
	}
	return a, false
}
