package harness

import "bufio"
import "context"
import "encoding/json"
import "flag"
import "fmt"
import "io"
import "strings"
import "sync"
import "sync/atomic"
import "syscall"
import "time"

// ChildArg, as the first argument of the benchmark command, makes it a
// consumer process of a scale-out case (see ScaleOut) instead of the
// benchmark.
const ChildArg = "-consumer-process"

// childMessage is a line a consumer process writes to its parent, as
// JSON: ready once connected, then its handled count as it grows, then,
// asked to stop, its CPU time and statements since it started consuming.
type childMessage struct {
	Ready   bool             `json:"ready,omitempty"`
	Handled int64            `json:"handled,omitempty"`
	Final   bool             `json:"final,omitempty"`
	CPU     time.Duration    `json:"cpu,omitempty"`
	SQL     []StatementStats `json:"sql,omitempty"`
}

// The parent's commands to a consumer process, one a line.
const (
	childGo   = "go"
	childStop = "stop"
)

// childReportEvery is how often a consumer process reports its count.
const childReportEvery = 5 * time.Millisecond

// ChildConfig is what a consumer process is started with.
type ChildConfig struct {
	// SystemID is the ID of the system it runs.
	SystemID string
	// URL is the database.
	URL string
	// Workers is its consumer's worker count.
	Workers int
	// PoolConns is its pool's size.
	PoolConns int
}

// args are the command-line arguments that give c to a consumer process.
func (c ChildConfig) args() []string {
	return []string{ChildArg, "-system", c.SystemID, "-url", c.URL,
		"-workers", fmt.Sprint(c.Workers), "-pool-conns", fmt.Sprint(c.PoolConns)}
}

// ParseChildArgs parses the arguments after ChildArg.
func ParseChildArgs(args []string) (ChildConfig, error) {
	var c ChildConfig
	fs := flag.NewFlagSet(ChildArg, flag.ContinueOnError)
	fs.StringVar(&c.SystemID, "system", "", "system ID")
	fs.StringVar(&c.URL, "url", "", "database URL")
	fs.IntVar(&c.Workers, "workers", 0, "workers")
	fs.IntVar(&c.PoolConns, "pool-conns", 0, "pool connections")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.SystemID == "" || c.URL == "" || c.Workers < 1 || c.PoolConns < 1 {
		return c, fmt.Errorf("%s needs -system, -url, -workers and -pool-conns (got %q)", ChildArg, strings.Join(args, " "))
	}
	return c, nil
}

// ServeChild is a consumer process of a scale-out case: it opens sys on
// the database, says it is ready, starts consuming on the parent's "go",
// reports its handled count every few milliseconds, and on "stop" (or
// the end of its input) reports its CPU time and statements since "go",
// stops and returns.
func ServeChild(ctx context.Context, sys System, c ChildConfig, o Options, in io.Reader, out io.Writer) error {
	o.PoolConns = c.PoolConns
	o.SQLStats = NewSQLStats()
	q, err := sys.Open(ctx, c.URL, o)
	if err != nil {
		return fmt.Errorf("open %s: %w", sys.Name, err)
	}
	defer q.Close()
	if w, ok := q.(Warmer); ok {
		if err := w.Warm(ctx); err != nil {
			return err
		}
	}
	var mu sync.Mutex
	enc := json.NewEncoder(out)
	send := func(m childMessage) error {
		mu.Lock()
		defer mu.Unlock()
		return enc.Encode(m)
	}
	if err := send(childMessage{Ready: true}); err != nil {
		return err
	}
	lines := bufio.NewScanner(in)
	if !lines.Scan() || lines.Text() != childGo {
		return fmt.Errorf("waiting for %q: got %q (%v)", childGo, lines.Text(), lines.Err())
	}
	cpu0 := selfCPU()
	o.SQLStats.Take()
	var handled atomic.Int64
	if err := q.Start(ctx, c.Workers, func() { handled.Add(1) }); err != nil {
		return fmt.Errorf("start consumer: %w", err)
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for lines.Scan() && lines.Text() != childStop {
		}
	}()
	tick := time.NewTicker(childReportEvery)
	defer tick.Stop()
	var reported int64
	for running := true; running; {
		select {
		case <-stopped:
			running = false
		case <-tick.C:
		}
		if n := handled.Load(); n != reported {
			if err := send(childMessage{Handled: n}); err != nil {
				return err
			}
			reported = n
		}
	}
	final := childMessage{Final: true, Handled: handled.Load(), CPU: selfCPU() - cpu0, SQL: o.SQLStats.Take()}
	if err := send(final); err != nil {
		return err
	}
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	return q.Stop(stopCtx)
}

// selfCPU is the CPU time (user and system) of this process.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
