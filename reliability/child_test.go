package reliability

import "bufio"
import "context"
import "encoding/json"
import "fmt"
import "io"
import "log/slog"
import "os"
import "os/exec"
import "os/signal"
import "strings"
import "sync"
import "syscall"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/internal/testfixture"

// Environment of child processes: the test binary started again, with
// roleEnv naming what it does and specEnv its JSON configuration.
const (
	roleEnv = "ASYNQPG_RELIABILITY_ROLE"
	specEnv = "ASYNQPG_RELIABILITY_SPEC"
)

// Roles of child processes.
const (
	roleConsumer = "consumer"
	roleMigrator = "migrator"
)

// Lines a child prints on stdout.
const (
	readyLine  = "RELIABILITY-READY"
	resultLine = "RELIABILITY-RESULT "
)

// childMaxLife ends a child that outlives any scenario.
const childMaxLife = 30 * time.Minute

// runChild runs the child role and returns the process's exit code.
func runChild(role string) int {
	go watchParent()
	var err error
	switch role {
	case roleConsumer:
		err = runConsumerChild()
	case roleMigrator:
		err = runMigratorChild()
	default:
		err = fmt.Errorf("unknown child role %q", role)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "child %s: %v\n", role, err)
		return 2
	}
	return 0
}

// watchParent ends the child when the test process that started it is
// gone, or when it has lived too long.
func watchParent() {
	parent := os.Getppid()
	deadline := time.Now().Add(childMaxLife)
	for {
		time.Sleep(500 * time.Millisecond)
		if os.Getppid() != parent || time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "child: parent gone or lifetime exceeded; exiting")
			os.Exit(3)
		}
	}
}

// readSpec decodes the child's configuration.
func readSpec(v any) error {
	if err := json.Unmarshal([]byte(os.Getenv(specEnv)), v); err != nil {
		return fmt.Errorf("decode %s: %w", specEnv, err)
	}
	return nil
}

// runConsumerChild runs a consumer until SIGTERM, then stops it
// gracefully.
func runConsumerChild() error {
	var spec consumerSpec
	if err := readSpec(&spec); err != nil {
		return err
	}
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM, syscall.SIGINT)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	rc, err := startConsumer(spec, log, nil)
	if err != nil {
		return err
	}
	fmt.Println(readyLine)
	<-term
	if err := rc.Stop(); err != nil {
		// Reported, not fatal: the test decides from the database.
		fmt.Fprintf(os.Stderr, "child consumer: stop: %v\n", err)
	}
	return nil
}

// proc is a child process started by a test.
type proc struct {
	name  string
	cmd   *exec.Cmd
	out   *testfixture.SyncBuffer
	ready chan struct{}
	done  chan struct{}

	mu      sync.Mutex
	results []string
	waitErr error
}

// startChild starts the test binary as a child of the given role and
// waits until it is ready (prints readyLine) when waitReady is set. The
// process is killed, if still running, when the test ends.
func startChild(t *testing.T, name, role string, spec any, waitReady bool) *proc {
	t.Helper()
	js, err := json.Marshal(spec)
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), roleEnv+"="+role, specEnv+"="+string(js))
	// The child dies with the test process, even a frozen (SIGSTOP) one.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p := &proc{name: name, cmd: cmd, out: &testfixture.SyncBuffer{}, ready: make(chan struct{}), done: make(chan struct{})}
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = p.out
	require.NoError(t, cmd.Start())
	var readyOnce sync.Once
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == readyLine:
				readyOnce.Do(func() { close(p.ready) })
			case strings.HasPrefix(line, resultLine):
				p.mu.Lock()
				p.results = append(p.results, strings.TrimPrefix(line, resultLine))
				p.mu.Unlock()
			default:
				_, _ = p.out.Write([]byte(line + "\n"))
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() {
		<-scanned
		err := cmd.Wait()
		p.mu.Lock()
		p.waitErr = err
		p.mu.Unlock()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("output of child %s:\n%s", p.name, tail(p.out.String(), 8000))
		}
	})
	if waitReady {
		select {
		case <-p.ready:
		case <-p.done:
			t.Fatalf("child %s exited before it was ready: %v\n%s", name, p.err(), p.out.String())
		case <-time.After(2 * time.Minute):
			t.Fatalf("child %s not ready after 2m\n%s", name, p.out.String())
		}
	}
	return p
}

// err returns the process's exit error, once it has exited.
func (p *proc) err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.waitErr
}

// signal sends sig to the process.
func (p *proc) signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(sig), "signal %v to child %s", sig, p.name)
}

// kill kills the process with SIGKILL and waits for it to end.
func (p *proc) kill(t testing.TB) {
	t.Helper()
	p.signal(t, syscall.SIGKILL)
	<-p.done
}

// stop ends the process with SIGTERM (a graceful stop), waits for it and
// requires a clean exit: status 0, no panic, no data race.
func (p *proc) stop(t testing.TB) {
	t.Helper()
	select {
	case <-p.done:
	default:
		p.signal(t, syscall.SIGTERM)
	}
	p.wait(t, 2*time.Minute)
}

// wait waits for the process to end and requires a clean exit.
func (p *proc) wait(t testing.TB, within time.Duration) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(within):
		t.Fatalf("child %s still running after %v\n%s", p.name, within, tail(p.out.String(), 8000))
	}
	p.requireClean(t)
	require.NoError(t, p.err(), "child %s exit status\n%s", p.name, tail(p.out.String(), 8000))
}

// requireClean requires output free of panics and data races.
func (p *proc) requireClean(t testing.TB) {
	t.Helper()
	out := p.out.String()
	require.NotContains(t, out, "panic:", "child %s panicked\n%s", p.name, tail(out, 8000))
	require.NotContains(t, out, "DATA RACE", "child %s saw a data race\n%s", p.name, tail(out, 8000))
}

// resultsOf returns the result lines the process printed.
func (p *proc) resultsOf() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.results...)
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// printResult prints a child's result line.
func printResult(v any) error {
	js, err := json.Marshal(v)
	if err != nil {
		return err
	}
	fmt.Println(resultLine + string(js))
	return nil
}

// childContext is the context of a child's work.
func childContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Minute)
}
