package harness

import "context"
import "fmt"
import "regexp"
import "sort"
import "strings"
import "sync"
import "time"

import "github.com/jackc/pgx/v5"

// SQLStats counts the statements a pgx pool runs, by statement, with the
// time each took as the client saw it and the rows it returned or
// changed. It is a pgx.QueryTracer; set Options.SQLStats to use it.
type SQLStats struct {
	mu sync.Mutex
	// stats are keyed by the statement's text: its name (see fingerprint)
	// is found once per statement by Take, not on every call, so that the
	// tracing costs a consumer process little of the CPU it is measured
	// by.
	stats map[string]*StatementStats
}

// StatementStats are the figures of one statement.
type StatementStats struct {
	// Statement is the statement's first words (or its sqlc name).
	Statement string
	Calls     int
	Rows      int64
	Total     time.Duration
}

// NewSQLStats returns empty statistics.
func NewSQLStats() *SQLStats { return &SQLStats{stats: map[string]*StatementStats{}} }

type sqlStatsKey struct{}

type sqlStart struct {
	sql   string
	start time.Time
}

// TraceQueryStart implements pgx.QueryTracer.
func (s *SQLStats) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	return context.WithValue(ctx, sqlStatsKey{}, sqlStart{sql: data.SQL, start: time.Now()})
}

// TraceQueryEnd implements pgx.QueryTracer.
func (s *SQLStats) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	st, ok := ctx.Value(sqlStatsKey{}).(sqlStart)
	if !ok {
		return
	}
	elapsed := time.Since(st.start)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.stats[st.sql]
	if e == nil {
		e = &StatementStats{}
		s.stats[st.sql] = e
	}
	e.Calls++
	e.Rows += data.CommandTag.RowsAffected()
	e.Total += elapsed
}

// Take returns the statistics gathered so far, the most time first, and
// resets them.
func (s *SQLStats) Take() []StatementStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	byName := map[string]*StatementStats{}
	for sql, e := range s.stats {
		name := fingerprint(sql)
		sum := byName[name]
		if sum == nil {
			sum = &StatementStats{Statement: name}
			byName[name] = sum
		}
		sum.Calls += e.Calls
		sum.Rows += e.Rows
		sum.Total += e.Total
	}
	s.stats = map[string]*StatementStats{}
	out := make([]StatementStats, 0, len(byName))
	for _, e := range byName {
		out = append(out, *e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Total > out[j].Total })
	return out
}

// FormatSQLStats renders statistics as a plain-text table over elapsed.
func FormatSQLStats(stats []StatementStats, elapsed time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%8s %10s %10s %10s %7s  %s\n", "calls", "rows", "avg", "total", "busy", "statement")
	for _, e := range stats {
		fmt.Fprintf(&b, "%8d %10d %10v %10v %6.0f%%  %s\n", e.Calls, e.Rows,
			(e.Total / time.Duration(max(e.Calls, 1))).Round(time.Microsecond), e.Total.Round(time.Millisecond),
			100*e.Total.Seconds()/elapsed.Seconds(), e.Statement)
	}
	return b.String()
}

var (
	sqlcName = regexp.MustCompile(`--\s*name:\s*(\S+)`)
	spaces   = regexp.MustCompile(`\s+`)
)

// fingerprintLen is how much of a statement without a name names it.
const fingerprintLen = 70

// fingerprint names a statement: its sqlc name when it has one (River),
// else its first words.
func fingerprint(sql string) string {
	if m := sqlcName.FindStringSubmatch(sql); m != nil {
		return m[1]
	}
	s := strings.TrimSpace(spaces.ReplaceAllString(sql, " "))
	if len(s) > fingerprintLen {
		s = s[:fingerprintLen]
	}
	return s
}
