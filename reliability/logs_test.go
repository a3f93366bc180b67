package reliability

import "context"
import "fmt"
import "log/slog"
import "strings"
import "sync"

// logRecorder is a slog.Handler that keeps every record, so that a test
// can wait for what a consumer reports.
type logRecorder struct {
	mu      sync.Mutex
	records []loggedRecord
	attrs   []slog.Attr
	parent  *logRecorder
}

// loggedRecord is one kept log record.
type loggedRecord struct {
	Level   slog.Level
	Message string
	Attrs   map[string]string
}

func newLogRecorder() *logRecorder { return &logRecorder{} }

// Logger returns a logger writing to r.
func (r *logRecorder) Logger() *slog.Logger { return slog.New(r) }

func (r *logRecorder) root() *logRecorder {
	if r.parent != nil {
		return r.parent.root()
	}
	return r
}

// Enabled implements slog.Handler.
func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

// Handle implements slog.Handler.
func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	lr := loggedRecord{Level: rec.Level, Message: rec.Message, Attrs: map[string]string{}}
	for _, a := range r.attrs {
		lr.Attrs[a.Key] = a.Value.String()
	}
	rec.Attrs(func(a slog.Attr) bool {
		lr.Attrs[a.Key] = a.Value.String()
		return true
	})
	root := r.root()
	root.mu.Lock()
	root.records = append(root.records, lr)
	root.mu.Unlock()
	return nil
}

// WithAttrs implements slog.Handler.
func (r *logRecorder) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logRecorder{parent: r.root(), attrs: append(append([]slog.Attr(nil), r.attrs...), attrs...)}
}

// WithGroup implements slog.Handler; groups are flattened.
func (r *logRecorder) WithGroup(string) slog.Handler { return r }

// count returns how many records contain msg and, when taskID is not 0,
// are about that task.
func (r *logRecorder) count(msg string, taskID int64) int {
	root := r.root()
	root.mu.Lock()
	defer root.mu.Unlock()
	n := 0
	for _, rec := range root.records {
		if !strings.Contains(rec.Message, msg) {
			continue
		}
		if taskID != 0 && rec.Attrs["task_id"] != fmt.Sprint(taskID) {
			continue
		}
		n++
	}
	return n
}

// dump returns the records as text, for failure messages.
func (r *logRecorder) dump() string {
	root := r.root()
	root.mu.Lock()
	defer root.mu.Unlock()
	var b strings.Builder
	for _, rec := range root.records {
		fmt.Fprintf(&b, "%s %s %v\n", rec.Level, rec.Message, rec.Attrs)
	}
	return b.String()
}
