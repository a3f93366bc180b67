package harness

import "bufio"
import "context"
import "encoding/json"
import "errors"
import "fmt"
import "io"
import "os"
import "os/exec"
import "sort"
import "strings"
import "sync/atomic"
import "time"

// ScaleOutCase describes a drain by consumers in several OS processes.
type ScaleOutCase struct {
	System System
	Tasks  int
	// Workers is the worker count of all processes together, split as
	// evenly as it goes.
	Workers int
	// Processes is the number of consumer processes.
	Processes int
}

// ScaleOutResult is the outcome of a scale-out case.
type ScaleOutResult struct {
	DrainResult
	Processes int
	// SQL are the statements the consumer processes ran while draining,
	// summed over them, as their pools saw them.
	SQL []StatementStats
}

// child is a running consumer process.
type child struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	handled atomic.Int64
	ready   chan struct{}
	final   chan childMessage
	exited  chan struct{} // closed when the process ended, exitErr set
	exitErr error
}

// ScaleOut inserts a backlog of c.Tasks no-op tasks, starts c.Processes
// consumer processes (this program run again with ChildArg), waits until
// each is connected, then tells them all to consume and measures the time
// until the database holds no task that is not completed. The processes'
// start-up is outside the time; their first connections are inside, for
// every process count alike. CPU.Process is the consumer processes'.
func (e Env) ScaleOut(ctx context.Context, c ScaleOutCase) (ScaleOutResult, error) {
	res := ScaleOutResult{DrainResult: DrainResult{Tasks: c.Tasks, Workers: c.Workers}, Processes: c.Processes}
	exe, err := os.Executable()
	if err != nil {
		return res, fmt.Errorf("find the benchmark's executable: %w", err)
	}
	err = e.withQueue(ctx, c.System, func(db *Database, q Queue) error {
		if err := insertBacklog(ctx, q, c.Tasks); err != nil {
			return err
		}
		if err := db.Settle(ctx, c.System.Table); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(ctx, e.Timeout)
		defer cancel()
		before, err := db.TableStats(ctx, c.System.Table)
		if err != nil {
			return err
		}
		children := make([]*child, 0, c.Processes)
		defer func() {
			for _, ch := range children {
				_ = ch.stdin.Close()
				_ = ch.cmd.Process.Kill()
				<-ch.exited
			}
		}()
		for i := range c.Processes {
			cfg := ChildConfig{SystemID: c.System.ID, URL: db.URL, PoolConns: e.Options.PoolConns,
				Workers: c.Workers / c.Processes}
			if i < c.Workers%c.Processes {
				cfg.Workers++
			}
			ch, err := startChild(exe, cfg)
			if err != nil {
				return err
			}
			children = append(children, ch)
		}
		for i, ch := range children {
			select {
			case <-ch.ready:
			case <-ch.exited:
				return fmt.Errorf("consumer process %d ended before it was ready: %v", i+1, ch.exitErr)
			case <-ctx.Done():
				return fmt.Errorf("consumer process %d not ready: %w", i+1, ctx.Err())
			}
		}
		cpu := startCPU(ctx, db)
		start := time.Now()
		for _, ch := range children {
			if _, err := io.WriteString(ch.stdin, childGo+"\n"); err != nil {
				return fmt.Errorf("start consumer process: %w", err)
			}
		}
		err = waitChildren(ctx, q, children, int64(c.Tasks))
		res.Elapsed = time.Since(start)
		res.CPU = cpu.stop(ctx)
		if err != nil {
			return fmt.Errorf("drain %d tasks with %d workers in %d processes after %v: %w",
				c.Tasks, c.Workers, c.Processes, res.Elapsed.Round(time.Millisecond), err)
		}
		var sql [][]StatementStats
		for i, ch := range children {
			if _, err := io.WriteString(ch.stdin, childStop+"\n"); err != nil {
				return fmt.Errorf("stop consumer process %d: %w", i+1, err)
			}
			select {
			case m := <-ch.final:
				res.CPU.Process += m.CPU
				sql = append(sql, m.SQL)
			case <-ch.exited:
				return fmt.Errorf("consumer process %d ended without its figures: %v", i+1, ch.exitErr)
			case <-ctx.Done():
				return fmt.Errorf("consumer process %d gave no figures: %w", i+1, ctx.Err())
			}
		}
		for i, ch := range children {
			_ = ch.stdin.Close()
			<-ch.exited
			if ch.exitErr != nil {
				return fmt.Errorf("consumer process %d: %w", i+1, ch.exitErr)
			}
		}
		children = nil
		res.SQL = sumStatements(sql)
		q.Close() // the parent's own sessions report their statistics too
		if err := db.WaitIdle(ctx); err != nil {
			return err
		}
		after, err := db.TableStats(ctx, c.System.Table)
		res.Table = after.Sub(before)
		return err
	})
	return res, err
}

// startChild starts a consumer process and reads its messages.
func startChild(exe string, cfg ChildConfig) (*child, error) {
	cmd := exec.Command(exe, cfg.args()...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start consumer process: %w", err)
	}
	ch := &child{cmd: cmd, stdin: stdin, ready: make(chan struct{}), final: make(chan childMessage, 1),
		exited: make(chan struct{})}
	go func() {
		lines := bufio.NewScanner(stdout)
		lines.Buffer(make([]byte, 64<<10), 16<<20)
		for lines.Scan() {
			var m childMessage
			if err := json.Unmarshal(lines.Bytes(), &m); err != nil {
				continue
			}
			switch {
			case m.Ready:
				close(ch.ready)
			case m.Final:
				ch.handled.Store(m.Handled)
				ch.final <- m
			default:
				ch.handled.Store(m.Handled)
			}
		}
		ch.exitErr = cmd.Wait()
		close(ch.exited)
	}()
	return ch, nil
}

// waitChildren waits until the consumer processes handled want tasks
// together, then until the database holds no task that is not completed.
func waitChildren(ctx context.Context, q Queue, children []*child, want int64) error {
	for {
		var n int64
		for i, ch := range children {
			select {
			case <-ch.exited:
				return fmt.Errorf("consumer process %d ended: %v", i+1, ch.exitErr)
			default:
			}
			n += ch.handled.Load()
		}
		if n >= want {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d handled: %w", n, want, ctx.Err())
		case <-time.After(pollEvery):
		}
	}
	allRan := make(chan struct{})
	close(allRan)
	return waitDrained(ctx, q, allRan)
}

// sumStatements adds up the statements of several processes.
func sumStatements(all [][]StatementStats) []StatementStats {
	by := map[string]*StatementStats{}
	for _, stats := range all {
		for _, s := range stats {
			e := by[s.Statement]
			if e == nil {
				e = &StatementStats{Statement: s.Statement}
				by[s.Statement] = e
			}
			e.Calls += s.Calls
			e.Rows += s.Rows
			e.Total += s.Total
		}
	}
	out := make([]StatementStats, 0, len(by))
	for _, e := range by {
		out = append(out, *e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Total > out[j].Total })
	return out
}

// claimPrefixes start the fingerprints of the statements that claim
// tasks: asynqpg's (a claim alone, or with outcomes) and River's.
var claimPrefixes = []string{"WITH expired AS", "WITH done AS", "JobGetAvailable"}

// Claims returns the calls of the claim statements among stats and the
// rows they returned: rows ÷ calls is the mean claim size (for asynqpg's
// statement that also reports outcomes, those rows are counted too).
func Claims(stats []StatementStats) (calls int, rows int64) {
	for _, s := range stats {
		for _, p := range claimPrefixes {
			if strings.HasPrefix(s.Statement, p) {
				calls += s.Calls
				rows += s.Rows
				break
			}
		}
	}
	return calls, rows
}

// errNoChild is returned by RunChild for a system it does not know.
var errNoChild = errors.New("unknown system")

// RunChild runs a consumer process from its arguments (those after
// ChildArg), with the system of that ID among systems, on stdin and
// stdout.
func RunChild(ctx context.Context, args []string, systems []System, o Options) error {
	cfg, err := ParseChildArgs(args)
	if err != nil {
		return err
	}
	for _, sys := range systems {
		if sys.ID == cfg.SystemID {
			return ServeChild(ctx, sys, cfg, o, os.Stdin, os.Stdout)
		}
	}
	return fmt.Errorf("%w %q", errNoChild, cfg.SystemID)
}
