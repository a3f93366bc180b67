package main

import "cmp"
import "fmt"
import "math"
import "os"
import "slices"
import "strings"
import "time"

// pages turns "16384 8kB" into "128 MiB".
func pages(s string) string {
	var n float64
	if _, err := fmt.Sscanf(s, "%f 8kB", &n); err == nil {
		return fmt.Sprintf("%.0f MiB", n*8/1024)
	}
	return s
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconvItoa(n)
	}
	return strings.Join(s, ",")
}

// table is a markdown table.
type table struct {
	head []string
	rows [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(b *strings.Builder) {
	b.WriteString("| " + strings.Join(t.head, " | ") + " |\n|")
	for range t.head {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, row := range t.rows {
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
}

func rate(v float64) string { return thousands(int(math.Round(v))) + " tasks/s" }

func times(v float64) string { return fmt.Sprintf("%.2f×", v) }

func millis(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func ifThen(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func strconvItoa(n int) string { return fmt.Sprint(n) }

// thousands formats n with thousands separators.
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []string
	for len(s) > 3 {
		out = append([]string{s[len(s)-3:]}, out...)
		s = s[:len(s)-3]
	}
	out = append([]string{s}, out...)
	res := strings.Join(out, ",")
	if neg {
		res = "-" + res
	}
	return res
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func perTask(d time.Duration, tasks int) float64 {
	return float64(d) / float64(time.Microsecond) / float64(tasks)
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// medianOf returns the median of vs (the upper one of an even count).
func medianOf(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	return s[len(s)/2]
}

// medianRun is the median of runs by elapsed time, the time of a run (of
// an even count, the faster of the two middle ones, as medianOf).
func medianRun[R any](runs []R, elapsed func(R) time.Duration) R {
	sorted := slices.Clone(runs)
	slices.SortFunc(sorted, func(a, b R) int { return cmp.Compare(elapsed(b), elapsed(a)) })
	return sorted[len(sorted)/2]
}

// runRatio is the median over the runs of ra's throughput ÷ rb's in the
// same run (side by side), with the ratio of each run; ok is false unless
// both ran.
func runRatio[R interface{ Throughput() float64 }](ra, rb []R) (median float64, each []float64, ok bool) {
	for i := range min(len(ra), len(rb)) {
		each = append(each, ra[i].Throughput()/rb[i].Throughput())
	}
	if len(each) == 0 {
		return 0, nil, false
	}
	return medianOf(each), each, true
}

// ratioCell shows a median ratio, and the ratio of each run when there
// were several.
func ratioCell(median float64, each []float64) string {
	if len(each) < 2 {
		return times(median)
	}
	parts := make([]string, len(each))
	for i, v := range each {
		parts[i] = times(v)
	}
	return times(median) + " (runs: " + strings.Join(parts, ", ") + ")"
}

// runsCell shows the median throughput of a case, and each run's when
// there were several.
func runsCell(median float64, each []float64) string {
	cell := thousands(int(math.Round(median)))
	if len(each) < 2 {
		return cell
	}
	parts := make([]string, len(each))
	for i, v := range each {
		parts[i] = thousands(int(math.Round(v)))
	}
	return cell + " (" + strings.Join(parts, ", ") + ")"
}
