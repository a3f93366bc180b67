package main

import "bufio"
import "context"
import "fmt"
import "os"
import "runtime"
import "runtime/debug"
import "strings"
import "time"

import "github.com/yakser/asynqpg/benchmarks/internal/harness"

// machine describes where the run happened.
type machine struct {
	cpu, memory, kernel, goVersion, riverVersion string
	cores                                        int
	pgVersion                                    string
	pgSettings                                   map[string]string
	managed                                      bool
	statements                                   bool // pg_stat_statements loaded
	started                                      time.Time
	// loadStart and loadEnd are the 1-minute load averages when the run
	// started and ended: other work on the machine makes figures noisy.
	loadStart, loadEnd string
}

// loadAverage returns the 1-minute load average.
func loadAverage() string {
	f := strings.Fields(readFile("/proc/loadavg"))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

func describeMachine(ctx context.Context, srv *harness.Server, cfg config) (machine, error) {
	m := machine{
		cores:      runtime.NumCPU(),
		goVersion:  runtime.Version(),
		managed:    srv.Managed(),
		statements: srv.StatementsLoaded(),
		started:    time.Now().UTC(),
		cpu:        procField("/proc/cpuinfo", "model name"),
		kernel:     strings.TrimSpace(readFile("/proc/sys/kernel/osrelease")),
		loadStart:  loadAverage(),
	}
	if kb := procField("/proc/meminfo", "MemTotal"); kb != "" {
		var n float64
		if _, err := fmt.Sscanf(kb, "%f kB", &n); err == nil {
			m.memory = fmt.Sprintf("%.0f GiB", n/(1<<20))
		}
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/riverqueue/river" {
				m.riverVersion = d.Version
			}
		}
	}
	settings, err := srv.Settings(ctx)
	if err != nil {
		return m, fmt.Errorf("read server settings: %w", err)
	}
	m.pgVersion = settings["server_version"]
	m.pgSettings = settings
	return m, nil
}

func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(b)
}

// procField returns the value of the first "key: value" line of a /proc
// file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func redactURL(url string) string {
	if at := strings.LastIndex(url, "@"); at >= 0 {
		if scheme := strings.Index(url, "://"); scheme >= 0 && scheme < at {
			userinfo := url[scheme+3 : at]
			if user, _, ok := strings.Cut(userinfo, ":"); ok {
				return url[:scheme+3] + user + ":xxxxx" + url[at:]
			}
		}
	}
	return url
}

func (r *results) machineTable(b *strings.Builder) {
	m := r.machine
	t := table{head: []string{"", ""}}
	t.add("CPU", fmt.Sprintf("%s, %d cores", orDash(m.cpu), m.cores))
	t.add("memory", orDash(m.memory))
	t.add("OS", "Linux "+orDash(m.kernel))
	t.add("load average (1 min)", fmt.Sprintf("%s at the start, %s at the end", orDash(m.loadStart), orDash(m.loadEnd)))
	t.add("Go", m.goVersion)
	server := "found server"
	if m.managed {
		server = "throw-away cluster (fsync off: faster than a real server)"
	}
	s := m.pgSettings
	t.add("PostgreSQL", fmt.Sprintf("%s on the same machine (%s); fsync %s, synchronous_commit %s, shared_buffers %s, max_connections %s",
		m.pgVersion, server, s["fsync"], s["synchronous_commit"], pages(s["shared_buffers"]), s["max_connections"]))
	t.add("River", orDash(m.riverVersion)+" with riverpgxv5")
	t.add("pools", fmt.Sprintf("pgxpool (or database/sql) of %d connections per system, plus one for the harness", r.cfg.poolConns))
	t.add("tasks", fmt.Sprintf("no-op handlers; backlog %s; batch insert batches of %s", thousands(r.cfg.tasks), thousands(harness.InsertBatchSize)))
	b.WriteString("\n## Machine\n\n")
	t.write(b)
}
