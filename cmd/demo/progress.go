package main

import "fmt"
import "io"
import "os"
import "time"

import "github.com/yakser/asynqpg"

// progress prints a live status line: rewritten in place on a terminal,
// one line a second otherwise.
type progress struct {
	out      io.Writer
	terminal bool
	last     time.Time
}

func newProgress(out io.Writer) *progress {
	p := &progress{out: out}
	if f, ok := out.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

func (p *progress) update(elapsed time.Duration, c map[asynqpg.TaskStatus]int) {
	line := fmt.Sprintf("[%5.1fs] pending %3d  running %3d  completed %3d  failed %3d  cancelled %3d",
		elapsed.Seconds(), c[asynqpg.TaskStatusPending], c[asynqpg.TaskStatusRunning],
		c[asynqpg.TaskStatusCompleted], c[asynqpg.TaskStatusFailed], c[asynqpg.TaskStatusCancelled])
	if p.terminal {
		fmt.Fprint(p.out, "\r"+line)
		return
	}
	if time.Since(p.last) >= time.Second {
		p.last = time.Now()
		fmt.Fprintln(p.out, line)
	}
}

func (p *progress) note(msg string) {
	if p.terminal {
		fmt.Fprint(p.out, "\r\033[K")
	}
	fmt.Fprintln(p.out, msg)
}

func (p *progress) done() {
	if p.terminal {
		fmt.Fprintln(p.out)
	}
}
