package driver

import "bytes"
import sqldriver "database/sql/driver"
import "encoding/hex"
import "errors"
import "fmt"
import "strconv"

import "github.com/yakser/asynqpg/internal/pgarray"

// The database/sql Executor sends the engine's arrays as the text of
// PostgreSQL array literals (written by internal/pgarray), which lib/pq,
// pgx's stdlib driver and other database/sql drivers for PostgreSQL all
// pass on, and reads array columns from that text. Only one-dimensional
// arrays are read.

// int64Array is an int8[] parameter or scan target.
type int64Array []int64

// stringArray is a text[] parameter or scan target.
type stringArray []string

// byteaArray is a bytea[] parameter or scan target.
type byteaArray [][]byte

// errNullElement refuses a NULL element where the Go type has no NULL.
var errNullElement = errors.New("NULL")

// Value implements driver.Valuer: the array literal, or NULL for nil.
func (a int64Array) Value() (sqldriver.Value, error) { return arrayValue(a, pgarray.Int64s) }

// Scan implements sql.Scanner.
func (a *int64Array) Scan(src any) error {
	return scanArray((*[]int64)(a), src, "int8[]", func(e []byte) (int64, error) {
		if e == nil {
			return 0, errNullElement
		}
		return strconv.ParseInt(string(e), 10, 64)
	})
}

// Value implements driver.Valuer: the array literal, with every element
// quoted, or NULL for nil.
func (a stringArray) Value() (sqldriver.Value, error) { return arrayValue(a, pgarray.Strings) }

// Scan implements sql.Scanner.
func (a *stringArray) Scan(src any) error {
	return scanArray((*[]string)(a), src, "text[]", func(e []byte) (string, error) {
		if e == nil {
			return "", errNullElement
		}
		return string(e), nil
	})
}

// Value implements driver.Valuer: the array literal, with each element in
// bytea's hex format, or NULL for nil.
func (a byteaArray) Value() (sqldriver.Value, error) { return arrayValue(a, pgarray.Byteas) }

// Scan implements sql.Scanner. A NULL element is nil.
func (a *byteaArray) Scan(src any) error {
	return scanArray((*[][]byte)(a), src, "bytea[]", func(e []byte) ([]byte, error) {
		if e == nil {
			return nil, nil
		}
		return byteaText(e)
	})
}

// arrayValue is the value of an array parameter: NULL for a nil a, else
// its literal.
func arrayValue[T any](a []T, literal func([]T) string) (sqldriver.Value, error) {
	if a == nil {
		return nil, nil
	}
	return literal(a), nil
}

// scanArray parses src, the text of an array of typ, into *a, each
// element converted by elem (given nil for a NULL element).
func scanArray[T any](a *[]T, src any, typ string, elem func([]byte) (T, error)) error {
	elems, err := arrayElements(src)
	if err != nil || elems == nil {
		*a = nil
		return err
	}
	out := make([]T, len(elems))
	for i, e := range elems {
		if out[i], err = elem(e); err != nil {
			return fmt.Errorf("driver: scan %s: element %d: %w", typ, i, err)
		}
	}
	*a = out
	return nil
}

// byteaText decodes the text of a bytea value: the hex format ("\x0a1b")
// or the escape format (octal "\012" and "\\" escapes).
func byteaText(t []byte) ([]byte, error) {
	if len(t) >= 2 && t[0] == '\\' && t[1] == 'x' {
		return hex.AppendDecode(make([]byte, 0, hex.DecodedLen(len(t)-2)), t[2:])
	}
	out := make([]byte, 0, len(t))
	for i := 0; i < len(t); i++ {
		switch {
		case t[i] != '\\':
			out = append(out, t[i])
		case i+1 < len(t) && t[i+1] == '\\':
			out = append(out, '\\')
			i++
		case i+3 < len(t):
			v, err := strconv.ParseUint(string(t[i+1:i+4]), 8, 8)
			if err != nil {
				return nil, fmt.Errorf("bad escape %q: %w", t[i:i+4], err)
			}
			out = append(out, byte(v))
			i += 3
		default:
			return nil, errors.New("bad escape at the end")
		}
	}
	return out, nil
}

// arrayElements splits src, the text of a one-dimensional array (string
// or []byte), into its elements, unquoted and unescaped: a NULL element
// is nil, an empty one is empty but not nil. It returns nil, nil for a
// NULL array (src nil).
func arrayElements(src any) ([][]byte, error) {
	var text []byte
	switch v := src.(type) {
	case nil:
		return nil, nil
	case []byte:
		text = v
	case string:
		text = []byte(v)
	default:
		return nil, fmt.Errorf("driver: scan array: unexpected %T", src)
	}
	p := arrayParser{text: text}
	elems, err := p.parse()
	if err != nil {
		return nil, fmt.Errorf("driver: scan array %q: %w", text, err)
	}
	return elems, nil
}

// arrayParser reads the text of a one-dimensional array literal.
type arrayParser struct {
	text []byte
	pos  int
}

func (p *arrayParser) parse() ([][]byte, error) {
	if len(p.text) > 0 && p.text[0] == '[' { // explicit bounds: "[0:1]={...}"
		for p.pos < len(p.text) && p.text[p.pos] != '=' {
			p.pos++
		}
		p.pos++
	}
	if !p.next('{') {
		return nil, errors.New("no opening brace")
	}
	if p.next('}') {
		return [][]byte{}, p.end()
	}
	// Every element but the last ends at a comma (or holds one, quoted).
	elems := make([][]byte, 0, bytes.Count(p.text[p.pos:], []byte{','})+1)
	for {
		e, err := p.element()
		if err != nil {
			return nil, err
		}
		elems = append(elems, e)
		if p.next('}') {
			return elems, p.end()
		}
		if !p.next(',') {
			return nil, fmt.Errorf("no comma or closing brace at byte %d", p.pos)
		}
	}
}

// next consumes c when it is the next byte.
func (p *arrayParser) next(c byte) bool {
	if p.pos < len(p.text) && p.text[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

// end checks that nothing follows the closing brace.
func (p *arrayParser) end() error {
	if p.pos != len(p.text) {
		return fmt.Errorf("text after the closing brace at byte %d", p.pos)
	}
	return nil
}

// element reads one element, quoted or not.
func (p *arrayParser) element() ([]byte, error) {
	if p.pos < len(p.text) && p.text[p.pos] == '{' {
		return nil, errors.New("a multidimensional array")
	}
	quoted := p.next('"')
	start := p.pos
	var out []byte // the element when it holds escapes
	for p.pos < len(p.text) {
		c := p.text[p.pos]
		switch {
		case quoted && c == '"':
			p.pos++
			return elementText(p.text[start:p.pos-1], out), nil
		case !quoted && (c == ',' || c == '}'):
			e := p.text[start:p.pos]
			if out == nil && string(e) == "NULL" {
				return nil, nil
			}
			return elementText(e, out), nil
		case c == '\\' && p.pos+1 < len(p.text):
			if out == nil {
				out = append(make([]byte, 0, p.pos-start+8), p.text[start:p.pos]...)
			}
			out = append(out, p.text[p.pos+1])
			p.pos += 2
		default:
			if out != nil {
				out = append(out, c)
			}
			p.pos++
		}
	}
	return nil, errors.New("unterminated element")
}

// elementText is the element read: unescaped when it held escapes, else
// the raw bytes (never nil, so that it is no NULL).
func elementText(raw, unescaped []byte) []byte {
	if unescaped != nil {
		return unescaped
	}
	return raw[:len(raw):len(raw)]
}
