package main

import "testing"

import "github.com/stretchr/testify/require"

// TestSingleDashLongFlags: -workers is read as --workers after bench only.
func TestSingleDashLongFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in, want []string
	}{
		{"bench", []string{"bench", "-workers", "4"}, []string{"bench", "--workers", "4"}},
		{"bench with =", []string{"--database-url", "x", "bench", "-workers=4", "-n", "9"},
			[]string{"--database-url", "x", "bench", "--workers=4", "-n", "9"}},
		{"already double", []string{"bench", "--workers", "4"}, []string{"bench", "--workers", "4"}},
		{"not bench", []string{"types", "pause", "-workers"}, []string{"types", "pause", "-workers"}},
		{"after --", []string{"bench", "--", "-workers"}, []string{"bench", "--", "-workers"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, singleDashLongFlags(append([]string{}, tt.in...)))
		})
	}
}

// TestOneLine: an error of several lines is written as one.
func TestOneLine(t *testing.T) {
	t.Parallel()
	require.Equal(t, "a b c", oneLine("a\n\tb\r\n  c\n"))
	require.Equal(t, "", oneLine("\n"))
}
