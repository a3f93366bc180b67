package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		args    []string
		check   func(t *testing.T, c config)
		wantErr string
	}{
		{name: "defaults", check: func(t *testing.T, c config) {
			require.Equal(t, 100_000, c.tasks)
			require.Equal(t, 1_000_000, c.retained)
			require.Equal(t, 500, c.samples)
			require.Equal(t, []int{100, 1000}, c.workers)
			require.Len(t, c.figures, len(figures))
			require.Len(t, c.systems, len(allSystems))
		}},
		{name: "quick", args: []string{"-quick"}, check: func(t *testing.T, c config) {
			require.Equal(t, 10_000, c.tasks)
			require.Equal(t, 100_000, c.retained)
			require.Equal(t, 200, c.samples)
			require.Equal(t, 1, c.retries)
		}},
		{name: "quick keeps explicit flags", args: []string{"-quick", "-tasks", "5000"}, check: func(t *testing.T, c config) {
			require.Equal(t, 5000, c.tasks)
		}},
		{name: "workers", args: []string{"-workers", "10, 20,10"}, check: func(t *testing.T, c config) {
			require.Equal(t, []int{10, 20}, c.workers)
		}},
		{name: "figures and systems", args: []string{"-figures", "drain,latency", "-systems", "asynqpg"}, check: func(t *testing.T, c config) {
			require.Equal(t, map[string]bool{"drain": true, "latency": true}, c.figures)
			require.Equal(t, map[string]bool{"asynqpg": true}, c.systems)
		}},
		{name: "bad figure", args: []string{"-figures", "speed"}, wantErr: `unknown figure "speed"`},
		{name: "bad system", args: []string{"-systems", "sidekiq"}, wantErr: `unknown system "sidekiq"`},
		{name: "bad workers", args: []string{"-workers", "0"}, wantErr: "not a positive integer"},
		{name: "few tasks", args: []string{"-tasks", "3"}, wantErr: "-tasks must be at least 10"},
		{name: "stray argument", args: []string{"now"}, wantErr: "unexpected arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := parseFlags(tc.args)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			tc.check(t, c)
		})
	}
}

func TestThousands(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1500: "-1,500"} {
		require.Equal(t, want, thousands(n), "thousands(%d)", n)
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://u:secret@h:5432/db":      "postgres://u:xxxxx@h:5432/db",
		"postgres://postgres@127.0.0.1/db":   "postgres://postgres@127.0.0.1/db",
		"postgres://127.0.0.1/db?sslmode=no": "postgres://127.0.0.1/db?sslmode=no",
	} {
		require.Equal(t, want, redactURL(in), "redactURL(%q)", in)
	}
}

func TestSpliceResults(t *testing.T) {
	t.Parallel()
	doc := "# Doc\n\nbefore\n" + docStart + "\nold\n" + docEnd + "\nafter\n"
	md := "# asynqpg benchmark results\n\nRun on a day.\n\n## Targets\n\n| a |\n"
	got, err := spliceResults(doc, md)
	require.NoError(t, err)
	require.Equal(t, "# Doc\n\nbefore\n"+docStart+"\nRun on a day.\n\n### Targets\n\n| a |\n"+docEnd+"\nafter\n", got)

	again, err := spliceResults(got, md)
	require.NoError(t, err)
	require.Equal(t, got, again, "splicing twice changes nothing more")

	_, err = spliceResults("no markers", md)
	require.ErrorContains(t, err, "markers")
}
