package main

import "fmt"
import "sort"
import "strconv"
import "strings"

import "github.com/spf13/cobra"

import "github.com/yakser/asynqpg/internal/dashboard"

// newStatsCmd builds "stats".
func newStatsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Count tasks by type and status",
		Args:  noArgs,
		RunE: withDatabase(func(cmd *cobra.Command, d *database, _ []string) error {
			st, err := readStats(cmd.Context(), d)
			return printResult(cmd, st, err, printStats)
		}),
	}
	addJSONFlag(cmd)
	return cmd
}

// printStats prints one row per task type (a paused type without tasks
// included), a total row, and the paused types.
func printStats(cmd *cobra.Command, st *dashboard.Stats) error {
	headers := []string{"TYPE"}
	for _, s := range dashboard.Statuses {
		headers = append(headers, upper(s))
	}
	t := newTable(cmd.OutOrStdout(), append(headers, "TOTAL")...)
	byType := append([]dashboard.TypeStats(nil), st.ByType...)
	sort.Slice(byType, func(i, j int) bool { return byType[i].Type < byType[j].Type })
	var paused []string
	for _, ts := range byType {
		t.row(countsRow(cell(ts.Type), ts.ByStatus, ts.Total)...)
		if ts.Paused {
			paused = append(paused, ts.Type)
		}
	}
	t.row(countsRow("all", st.ByStatus, st.Total)...)
	if err := t.flush(); err != nil {
		return err
	}
	names := "(none)"
	if len(paused) > 0 {
		names = strings.Join(paused, ", ")
	}
	_, err := fmt.Fprintf(cmd.OutOrStdout(), "\npaused task types: %s\n", names)
	return err
}

// countsRow is a row of counts in status order.
func countsRow(name string, byStatus map[string]int64, total int64) []string {
	row := []string{name}
	for _, s := range dashboard.Statuses {
		row = append(row, strconv.FormatInt(byStatus[s], 10))
	}
	return append(row, strconv.FormatInt(total, 10))
}

// upper upper-cases an ASCII status name for a header.
func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
