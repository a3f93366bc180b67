package harness

import "context"
import "os"
import "runtime"
import "strconv"
import "strings"
import "syscall"
import "time"

// CPUUsage is CPU time spent during a timed phase.
type CPUUsage struct {
	// Process is the CPU time (user and system) of the benchmark process,
	// where the queue's client side runs.
	Process time.Duration
	// Database is the CPU time of the PostgreSQL processes working for
	// the case's database (see Database.BackendPIDs); zero when they
	// cannot be read (a server on another machine).
	Database time.Duration
	// Machine is the CPU time of the whole machine: the process,
	// PostgreSQL, and anything else running meanwhile.
	Machine time.Duration
	// Elapsed is the wall time of the phase.
	Elapsed time.Duration
	// Cores is the number of CPUs of the machine.
	Cores int
	// Measured says whether the backends' CPU could be read.
	Measured bool
	// Statements is pg_stat_statements' account of the statements run
	// on the case's database, when StatementsMeasured (the server has
	// it loaded).
	Statements         StatementTotals
	StatementsMeasured bool
}

// Foreign is the CPU time the machine spent on neither the benchmark
// process nor the server processes working for the case's database:
// other work on the machine. Zero when not measured.
func (u CPUUsage) Foreign() time.Duration {
	if !u.Measured {
		return 0
	}
	return max(0, u.Machine-u.Process-u.Database)
}

// OwnShare is the CPU time of the benchmark process and the case's
// server processes as a share of the machine's capacity over the phase
// (0 to 1): how CPU-bound the measurement was.
func (u CPUUsage) OwnShare() float64 {
	if !u.Measured || u.Elapsed <= 0 || u.Cores <= 0 {
		return 0
	}
	return (u.Process + u.Database).Seconds() / (u.Elapsed.Seconds() * float64(u.Cores))
}

// ForeignShare is Foreign as a share of the machine's capacity over the
// phase (0 to 1): how much other work disturbed the measurement.
func (u CPUUsage) ForeignShare() float64 {
	if !u.Measured || u.Elapsed <= 0 || u.Cores <= 0 {
		return 0
	}
	return u.Foreign().Seconds() / (u.Elapsed.Seconds() * float64(u.Cores))
}

// cpuSample is a reading of the CPU counters.
type cpuSample struct {
	process  time.Duration
	machine  time.Duration
	backends map[int]time.Duration // CPU of the case's database backends by PID
	at       time.Time
	ok       bool
}

// clockTick is the unit of the kernel's CPU counters (USER_HZ), 100 per
// second on Linux.
const clockTick = 10 * time.Millisecond

func readCPU() cpuSample {
	s := cpuSample{at: time.Now()}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return s
	}
	s.process = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return s
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return s
	}
	// user nice system idle iowait irq softirq steal: busy is all but idle
	// and iowait.
	var busy int64
	for i, v := range f[1:9] {
		if i == 3 || i == 4 {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return s
		}
		busy += n
	}
	s.machine = time.Duration(busy) * clockTick
	s.ok = true
	return s
}

// processCPU returns the CPU time (user and system) of process pid.
func processCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name, in parentheses, may hold spaces: count fields
	// after its closing parenthesis. utime and stime are fields 14 and 15.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(u+st) * clockTick, true
}

// readBackends reads the CPU time of the processes with these PIDs,
// skipping those that ended meanwhile; it reports false when none can be
// read (the server runs on another machine).
func readBackends(pids []int) (map[int]time.Duration, bool) {
	out := make(map[int]time.Duration, len(pids))
	for _, pid := range pids {
		if c, ok := processCPU(pid); ok {
			out[pid] = c
		}
	}
	return out, len(out) > 0
}

// cpuMeter measures the CPU time of a timed phase on a case's database.
type cpuMeter struct {
	db    *Database
	start cpuSample
	// measurable: the server runs on this machine, its backends readable.
	measurable bool
	// statements: pg_stat_statements was reset for the database.
	statements bool
}

// startCPU starts measuring.
func startCPU(ctx context.Context, db *Database) *cpuMeter {
	m := &cpuMeter{db: db, statements: db.resetStatements(ctx)}
	if pids, err := db.BackendPIDs(ctx); err == nil {
		if backends, ok := readBackends(pids); ok {
			m.measurable = true
			m.start.backends = backends
		}
	}
	backends := m.start.backends
	m.start = readCPU()
	m.start.backends = backends
	return m
}

// stop returns the CPU time spent since start.
func (m *cpuMeter) stop(ctx context.Context) CPUUsage {
	var backendCPU time.Duration
	measured := m.measurable
	if measured {
		pids, err := m.db.BackendPIDs(ctx)
		if err != nil {
			measured = false
		}
		for _, pid := range pids {
			c, ok := processCPU(pid)
			if !ok {
				continue // ended meanwhile
			}
			backendCPU += c - m.start.backends[pid] // a new backend started at 0
		}
	}
	now := readCPU()
	u := CPUUsage{Elapsed: now.at.Sub(m.start.at), Cores: runtime.NumCPU()}
	if m.statements {
		if t, err := m.db.statementTotals(ctx); err == nil {
			u.Statements, u.StatementsMeasured = t, true
		}
	}
	if !m.start.ok || !now.ok {
		return u
	}
	u.Process = now.process - m.start.process
	u.Machine = now.machine - m.start.machine
	u.Database = backendCPU
	u.Measured = measured
	return u
}
