package engine

import "context"
import "errors"
import "fmt"
import "time"

import "github.com/yakser/asynqpg/driver"

// Limits of one batch insert statement. A batch larger than either is split
// into several statements run in one transaction (a savepoint when the
// Executor is already a transaction), so it is still all-or-nothing.
const (
	// MaxBatchTasks is the most tasks one insert statement carries.
	MaxBatchTasks = 10000
	// MaxBatchPayloadBytes is the most payload bytes one insert statement
	// carries; a statement always carries at least one task.
	MaxBatchPayloadBytes = 64 << 20
)

// insertRetries bounds how often a single insert runs again when a
// concurrent duplicate committed after the statement took its snapshot.
const insertRetries = 10

// NewTask is a task to insert, validated by the caller.
type NewTask struct {
	// Type is the task type; not empty.
	Type string
	// Payload is the task body; not nil.
	Payload []byte
	// IdempotencyToken is nil for none; when set it is not empty.
	IdempotencyToken *string
	// Attempts is the number of attempts (attempts_left at insert).
	Attempts int
	// ProcessAt, when not zero, is when the task becomes ready; it wins
	// over Delay. Stored at microsecond precision (truncated).
	ProcessAt time.Time
	// Delay, when ProcessAt is zero, postpones readiness from the
	// database's now(). Microsecond precision (truncated).
	Delay time.Duration
	// TraceContext is the trace context of the enqueue, as encoded by
	// observability.InjectTraceContext; "" for none.
	TraceContext string
	// Priority is from asynqpg.MinPriority to asynqpg.MaxPriority.
	Priority int
	// UniqueFor, when positive, makes the task unique per window of this
	// length for its type and payload; microsecond precision (truncated,
	// at least one microsecond).
	UniqueFor time.Duration
}

// InsertedTask is a task a batch insert created.
type InsertedTask struct {
	// ID is the new task's ID.
	ID int64
	// Type is its type.
	Type string
}

// InsertTask inserts t, or finds the task with the same type and
// idempotency token, or the live task of its unique window. It returns the task's ID and whether this call
// created it. A task that is ready at once is announced on
// [ChannelNewTask] when the insert commits.
func InsertTask(ctx context.Context, ex driver.Executor, t NewTask) (id int64, inserted bool, err error) {
	var processAt *string
	if !t.ProcessAt.IsZero() {
		pa := timestampText(t.ProcessAt)
		processAt = &pa
	}
	var traceContext *string
	if t.TraceContext != "" {
		traceContext = &t.TraceContext
	}
	for range insertRetries {
		err = ex.QueryRow(ctx, sqlInsertTask,
			t.Type, t.Payload, t.IdempotencyToken, int64(t.Attempts), processAt, t.Delay.Microseconds(), traceContext,
			int64(t.Priority), uniqueMicros(t.UniqueFor),
		).Scan(&id, &inserted)
		if !errors.Is(err, driver.ErrNoRows) {
			break
		}
		// A concurrent insert of the same (type, token) committed after
		// this statement took its snapshot: the next statement sees it.
	}
	if err != nil {
		return 0, false, fmt.Errorf("insert task: %w", schemaError(err))
	}
	return id, inserted, nil
}

// InsertTasks inserts a batch, skipping tasks whose type and idempotency
// token exist already or repeat an earlier task of the batch, and returns
// the created tasks in ascending ID order. A batch within the limits of one
// statement ([MaxBatchTasks], [MaxBatchPayloadBytes]) is one statement;
// a larger one is several, in one transaction on ex.
func InsertTasks(ctx context.Context, ex driver.Executor, tasks []NewTask) ([]InsertedTask, error) {
	if len(tasks) == 0 {
		return []InsertedTask{}, nil
	}
	chunks := splitBatch(tasks)
	if len(chunks) == 1 {
		return insertChunk(ctx, ex, tasks)
	}
	tx, err := ex.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("insert tasks: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	out := make([]InsertedTask, 0, len(tasks))
	for _, c := range chunks {
		ins, err := insertChunk(ctx, tx, c)
		if err != nil {
			return nil, err
		}
		out = append(out, ins...)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("insert tasks: commit: %w", err)
	}
	return out, nil
}

// splitBatch cuts tasks into runs that each fit one statement.
func splitBatch(tasks []NewTask) [][]NewTask {
	var (
		chunks [][]NewTask
		start  int
		bytes  int
	)
	for i, t := range tasks {
		n := i - start
		if n > 0 && (n == MaxBatchTasks || bytes+len(t.Payload) > MaxBatchPayloadBytes) {
			chunks = append(chunks, tasks[start:i])
			start, bytes = i, 0
		}
		bytes += len(t.Payload)
	}
	return append(chunks, tasks[start:])
}

// timestampText formats t for a timestamptz parameter sent as text: in
// UTC, truncated to microseconds, so the stored instant is exactly the one
// given.
func timestampText(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05.999999+00")
}

// insertChunk inserts tasks with one statement.
func insertChunk(ctx context.Context, ex driver.Executor, tasks []NewTask) ([]InsertedTask, error) {
	var (
		types     = make([]string, len(tasks))
		payloads  = make([][]byte, len(tasks))
		tokens    = make([]string, len(tasks))
		attempts  = make([]int64, len(tasks))
		processAt = make([]string, len(tasks))
		delays    = make([]int64, len(tasks))
		traces    = make([]string, len(tasks))
		prios     = make([]int64, len(tasks))
		uniques   = make([]int64, len(tasks))
	)
	tokened := false
	for i, t := range tasks {
		types[i] = t.Type
		payloads[i] = t.Payload
		if t.IdempotencyToken != nil {
			tokens[i] = *t.IdempotencyToken
			tokened = true
		}
		attempts[i] = int64(t.Attempts)
		if !t.ProcessAt.IsZero() {
			processAt[i] = timestampText(t.ProcessAt)
		}
		delays[i] = t.Delay.Microseconds()
		traces[i] = t.TraceContext
		prios[i] = int64(t.Priority)
		if uniques[i] = uniqueMicros(t.UniqueFor); uniques[i] > 0 {
			tokened = true // deduplicated by the tokened statement
		}
	}
	scan := scanFields(func(it *InsertedTask) []any { return []any{&it.ID, &it.Type} })
	out := make([]InsertedTask, 0, len(tasks))
	types = oneIfSame(types)
	var err error
	if tokened {
		out, err = appendAll(ctx, ex, out, "insert tasks", scan, sqlInsertTasks, types, payloads,
			oneIfSame(tokens), oneIfSame(attempts), oneIfSame(processAt), oneIfSame(delays), oneIfSame(traces),
			oneIfSame(prios), oneIfSame(uniques))
	} else {
		out, err = appendAll(ctx, ex, out, "insert tasks", scan, sqlInsertTasksUntokened, types, payloads,
			oneIfSame(attempts), oneIfSame(processAt), oneIfSame(delays), oneIfSame(traces), oneIfSame(prios))
	}
	if len(types) == 1 { // the statement returned no types: they are all this one
		for i := range out {
			out[i].Type = types[0]
		}
	}
	return out, err
}

// oneIfSame returns the first element of column alone when every element
// is the same, and column otherwise. The batch insert statements take such
// a column for all the batch's tasks: a batch of one type with default
// options sends one array of a task's length (the payloads) instead of
// seven, and the server decodes one.
func oneIfSame[T comparable](column []T) []T {
	for _, v := range column[1:] {
		if v != column[0] {
			return column
		}
	}
	return column[:1]
}

// uniqueMicros is a unique period in microseconds for the insert
// statements: 0 for none, at least 1 otherwise.
func uniqueMicros(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return max(d.Microseconds(), 1)
}
