package driver

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestArrayElements(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  any
		want [][]byte
		err  string
	}{
		{name: "NULL array", src: nil, want: nil},
		{name: "empty", src: "{}", want: [][]byte{}},
		{name: "unquoted", src: []byte("{1,-2,3}"), want: [][]byte{[]byte("1"), []byte("-2"), []byte("3")}},
		{name: "NULL element", src: "{a,NULL}", want: [][]byte{[]byte("a"), nil}},
		{name: "quoted NULL is text", src: `{"NULL"}`, want: [][]byte{[]byte("NULL")}},
		{name: "empty string", src: `{""}`, want: [][]byte{{}}},
		{name: "escapes", src: `{"a\"b\\c","x,y}"}`, want: [][]byte{[]byte(`a"b\c`), []byte("x,y}")}},
		{name: "explicit bounds", src: "[0:1]={7,8}", want: [][]byte{[]byte("7"), []byte("8")}},
		{name: "multidimensional", src: "{{1},{2}}", err: "multidimensional"},
		{name: "no brace", src: "1,2", err: "no opening brace"},
		{name: "unterminated", src: `{"a`, err: "unterminated"},
		{name: "trailing text", src: "{1}x", err: "after the closing brace"},
		{name: "not text", src: 5, err: "unexpected int"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := arrayElements(tt.src)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			for i := range got {
				require.Equal(t, tt.want[i] == nil, got[i] == nil, "element %d NULL", i)
			}
		})
	}
}

func TestByteaText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want []byte
		err  bool
	}{
		{name: "hex", text: `\x00ff10`, want: []byte{0, 0xff, 0x10}},
		{name: "hex empty", text: `\x`, want: []byte{}},
		{name: "escape", text: `a\\b\001\377`, want: []byte{'a', '\\', 'b', 1, 0xff}},
		{name: "bad hex", text: `\xzz`, err: true},
		{name: "bad octal", text: `\9999`, err: true},
		{name: "cut escape", text: `ab\`, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := byteaText([]byte(tt.text))
			if tt.err {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}
