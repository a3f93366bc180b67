package main

import "encoding/json"
import "fmt"
import "io"
import "log/slog"
import "strings"
import "text/tabwriter"
import "time"

import "github.com/spf13/cobra"

const flagJSON = "json"

// addJSONFlag adds --json to cmd.
func addJSONFlag(cmd *cobra.Command) {
	cmd.Flags().Bool(flagJSON, false, "print the JSON of the dashboard's API instead of a table")
}

// wantJSON tells whether --json was given.
func wantJSON(cmd *cobra.Command) bool {
	v, _ := cmd.Flags().GetBool(flagJSON)
	return v
}

// printResult prints v, what a read that returned err found: as JSON
// under --json, else with text. The read's error is returned as it is.
func printResult[T any](cmd *cobra.Command, v T, err error, text func(*cobra.Command, T) error) error {
	if err != nil {
		return err
	}
	if wantJSON(cmd) {
		return printJSON(cmd.OutOrStdout(), v)
	}
	return text(cmd, v)
}

// printJSON writes v as one line of JSON, exactly as json.Marshal encodes it.
func printJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// table writes rows as columns aligned with spaces.
type table struct{ tw *tabwriter.Writer }

// newTable starts a table on w with the given column headers.
func newTable(w io.Writer, headers ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	if len(headers) > 0 {
		t.row(headers...)
	}
	return t
}

// row adds one row; a cell must not hold a tab or a newline.
func (t *table) row(cells ...string) {
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

// flush writes the table.
func (t *table) flush() error { return t.tw.Flush() }

// formatTime shows a time in UTC to the second, or "-" for none.
func formatTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// cell makes s safe for one table cell.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}

// quietLogger discards the library's log lines: the command reports
// through its output and its exit status.
func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
