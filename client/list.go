package client

import "context"
import "fmt"
import "time"

import "go.opentelemetry.io/otel/attribute"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/engine"
import "github.com/yakser/asynqpg/internal/observability"
import "github.com/yakser/asynqpg/internal/validate"

// Page sizes of ListTasks.
const (
	// DefaultListLimit is the page size of NewListParams.
	DefaultListLimit = 100
	// MaxListLimit is the largest page size; Limit clamps to it.
	MaxListLimit = 10000
)

// ListOrderField represents a column to sort results by.
type ListOrderField string

// Columns tasks can be sorted by. Ties are broken by ID, in the same
// direction.
const (
	OrderByID          ListOrderField = "id"
	OrderByCreatedAt   ListOrderField = "created_at"
	OrderByUpdatedAt   ListOrderField = "updated_at"
	OrderByBlockedTill ListOrderField = "blocked_till"
	OrderByPriority    ListOrderField = "priority"
)

// SortOrder is a sort direction.
type SortOrder string

// Sort directions.
const (
	// SortAsc sorts from the smallest value up.
	SortAsc SortOrder = "ASC"
	// SortDesc sorts from the largest value down.
	SortDesc SortOrder = "DESC"
)

// ListParams configures how tasks are listed and filtered.
// Use NewListParams() to create with defaults, then chain builder methods.
// A zero ListParams means the same defaults; a nil *ListParams given to
// ListTasks too.
type ListParams struct {
	ids     []int64
	states  []asynqpg.TaskStatus
	types   []string
	limit   int
	offset  int
	orderBy ListOrderField
	order   SortOrder

	// createdAfter, createdBefore and hasToken are optional filters.
	createdAfter, createdBefore *time.Time
	hasToken                    *bool
}

// NewListParams creates a new ListParams with default values: no filters,
// limit 100, offset 0, ordered by ID ascending.
func NewListParams() *ListParams {
	return &ListParams{limit: DefaultListLimit, orderBy: OrderByID, order: SortAsc}
}

// orNew returns p, or new default parameters when p is nil: every
// builder method may be called on a nil *ListParams.
func (p *ListParams) orNew() *ListParams {
	if p == nil {
		return NewListParams()
	}
	return p
}

// IDs filters tasks by specific IDs. It replaces an earlier IDs filter;
// with no arguments it removes it.
func (p *ListParams) IDs(ids ...int64) *ListParams {
	p = p.orNew()
	p.ids = append([]int64(nil), ids...)
	return p
}

// States filters tasks by status. It replaces an earlier States filter;
// with no arguments it removes it. A status that is not one of the
// asynqpg.TaskStatus constants makes ListTasks fail with
// ErrInvalidListParams.
func (p *ListParams) States(states ...asynqpg.TaskStatus) *ListParams {
	p = p.orNew()
	p.states = append([]asynqpg.TaskStatus(nil), states...)
	return p
}

// Types filters tasks by task type. It replaces an earlier Types filter;
// with no arguments it removes it.
func (p *ListParams) Types(types ...string) *ListParams {
	p = p.orNew()
	p.types = append([]string(nil), types...)
	return p
}

// CreatedAfter keeps the tasks created at or after t. A zero t removes
// the filter.
func (p *ListParams) CreatedAfter(t time.Time) *ListParams {
	p = p.orNew()
	p.createdAfter = timeFilter(t)
	return p
}

// CreatedBefore keeps the tasks created at or before t. A zero t removes
// the filter.
func (p *ListParams) CreatedBefore(t time.Time) *ListParams {
	p = p.orNew()
	p.createdBefore = timeFilter(t)
	return p
}

// HasIdempotencyToken keeps only the tasks enqueued with (true) or
// without (false) an idempotency token.
func (p *ListParams) HasIdempotencyToken(has bool) *ListParams {
	p = p.orNew()
	p.hasToken = &has
	return p
}

func timeFilter(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// Limit sets the maximum number of tasks to return. Must be between 1 and
// 10000. Values outside this range are clamped.
func (p *ListParams) Limit(n int) *ListParams {
	p = p.orNew()
	p.limit = min(max(n, 1), MaxListLimit)
	return p
}

// Offset sets the number of tasks to skip (for pagination). A negative
// offset counts as 0.
func (p *ListParams) Offset(n int) *ListParams {
	p = p.orNew()
	p.offset = max(n, 0)
	return p
}

// OrderBy sets the sort field and direction. A field or direction that is
// not one of the package's constants makes ListTasks fail with
// ErrInvalidListParams; it never reaches the database.
func (p *ListParams) OrderBy(field ListOrderField, order SortOrder) *ListParams {
	p = p.orNew()
	p.orderBy = field
	p.order = order
	return p
}

// ListResult contains the list of tasks and the total count matching the
// filters.
type ListResult struct {
	// Tasks is the requested page, never nil.
	Tasks []*TaskInfo
	// Total counts every task matching the filters, ignoring limit and
	// offset.
	Total int
}

// ListTasks returns tasks matching the given filters with pagination.
func (c *Client) ListTasks(ctx context.Context, params *ListParams) (*ListResult, error) {
	return c.listTasks(ctx, c.ex, nil, params)
}

// ListTasksTx returns tasks matching the given filters using the provided
// executor.
func (c *Client) ListTasksTx(ctx context.Context, tx asynqpg.Querier, params *ListParams) (*ListResult, error) {
	return c.listTasks(ctx, nil, tx, params)
}

func (c *Client) listTasks(ctx context.Context, ex driver.Executor, tx asynqpg.Querier, params *ListParams) (*ListResult, error) {
	if err := validate.Context(ctx); err != nil {
		return nil, err
	}
	ctx, tel := observability.StartClientAction(ctx, c.tracer, asynqpg.SpanListTasks)
	res, err := list(ctx, ex, tx, params)
	end := observability.ClientEnd{Err: err}
	if err == nil {
		end.Attributes = []attribute.KeyValue{
			attribute.Int("asynqpg.tasks", len(res.Tasks)), attribute.Int("asynqpg.total", res.Total),
		}
	}
	tel.End(end)
	return res, err
}

// list resolves the handle (ex, or tx when ex is nil) and lists the tasks
// params select with it.
func list(ctx context.Context, ex driver.Executor, tx asynqpg.Querier, params *ListParams) (*ListResult, error) {
	ex, err := executor(ex, tx)
	if err != nil {
		return nil, actionError("list", err)
	}
	q, err := params.query()
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	rows, total, err := engine.ListTasks(ctx, ex, q)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	res := &ListResult{Tasks: make([]*TaskInfo, len(rows)), Total: total}
	for i, r := range rows {
		res.Tasks[i] = newTaskInfo(r)
	}
	return res, nil
}

// query checks p and maps it to the engine's query through fixed sets of
// values.
func (p *ListParams) query() (engine.ListQuery, error) {
	if p == nil {
		p = NewListParams()
	}
	q := engine.ListQuery{
		IDs:           p.ids,
		Types:         p.types,
		CreatedAfter:  p.createdAfter,
		CreatedBefore: p.createdBefore,
		HasToken:      p.hasToken,
		Limit:         p.limit,
		Offset:        max(p.offset, 0),
	}
	if q.Limit == 0 {
		q.Limit = DefaultListLimit
	}
	q.Limit = min(max(q.Limit, 1), MaxListLimit)
	switch p.orderBy {
	case OrderByID, "":
		q.OrderBy = engine.ListOrderID
	case OrderByCreatedAt:
		q.OrderBy = engine.ListOrderCreatedAt
	case OrderByUpdatedAt:
		q.OrderBy = engine.ListOrderUpdatedAt
	case OrderByBlockedTill:
		q.OrderBy = engine.ListOrderBlockedTill
	case OrderByPriority:
		q.OrderBy = engine.ListOrderPriority
	default:
		return q, fmt.Errorf("%w: unknown order field %q", ErrInvalidListParams, string(p.orderBy))
	}
	switch p.order {
	case SortAsc, "":
	case SortDesc:
		q.Descending = true
	default:
		return q, fmt.Errorf("%w: unknown sort order %q", ErrInvalidListParams, string(p.order))
	}
	for _, typ := range p.types {
		if !validate.IsText(typ) {
			return q, fmt.Errorf("%w: task type %q is not valid UTF-8 text without NUL bytes", ErrInvalidListParams, typ)
		}
	}
	if len(p.states) > 0 {
		q.Statuses = make([]string, len(p.states))
		for i, s := range p.states {
			switch s {
			case asynqpg.TaskStatusPending, asynqpg.TaskStatusRunning, asynqpg.TaskStatusCompleted,
				asynqpg.TaskStatusFailed, asynqpg.TaskStatusCancelled:
				q.Statuses[i] = string(s)
			default:
				return q, fmt.Errorf("%w: unknown state %q", ErrInvalidListParams, string(s))
			}
		}
	}
	return q, nil
}
