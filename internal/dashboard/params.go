package dashboard

import "encoding/json"
import "errors"
import "fmt"
import "io"
import "net/http"
import "net/url"
import "strconv"
import "strings"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"

// Paging limits of the task list, those of the original.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// maxBulkBody bounds the body of a bulk request.
const maxBulkBody = 1 << 20

// ListQuery is a checked request for a page of tasks.
type ListQuery struct {
	Statuses      []string
	Types         []string
	IDs           []int64
	CreatedAfter  *time.Time
	CreatedBefore *time.Time
	// IdempotencyToken is "has", "none" or "" (either).
	IdempotencyToken string
	Limit            int
	Offset           int
	OrderBy          string
	OrderDir         string
}

var orderFields = map[string]client.ListOrderField{
	"id":           client.OrderByID,
	"created_at":   client.OrderByCreatedAt,
	"updated_at":   client.OrderByUpdatedAt,
	"blocked_till": client.OrderByBlockedTill,
	"priority":     client.OrderByPriority,
}

func isStatus(s string) bool {
	for _, v := range Statuses {
		if v == s {
			return true
		}
	}
	return false
}

// ParseListQuery reads the filters, order and paging of a task list from
// URL query values, with the original's names and defaults. A bad value
// is an *Error with code invalid_params naming it.
func ParseListQuery(v url.Values) (ListQuery, error) {
	q := ListQuery{Limit: DefaultLimit, OrderBy: "id", OrderDir: "ASC"}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return q, invalidParams("limit must be a positive integer")
		}
		q.Limit = min(n, MaxLimit)
	}
	if s := v.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return q, invalidParams("offset must be a non-negative integer")
		}
		q.Offset = n
	}
	for _, s := range splitItems(v.Get("status")) {
		if !isStatus(s) {
			return q, invalidParams("invalid status: %s", s)
		}
		q.Statuses = append(q.Statuses, s)
	}
	q.Types = splitList(v.Get("type"))
	for _, s := range splitItems(v.Get("id")) {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return q, invalidParams("invalid task id: %s", s)
		}
		q.IDs = append(q.IDs, id)
	}
	if s := v.Get("order_by"); s != "" {
		if _, ok := orderFields[s]; !ok {
			return q, invalidParams("invalid order_by field: %s", s)
		}
		q.OrderBy = s
	}
	if s := v.Get("order"); s != "" {
		up := strings.ToUpper(s)
		if up != "ASC" && up != "DESC" {
			return q, invalidParams("order must be ASC or DESC")
		}
		q.OrderDir = up
	}
	var err error
	if q.CreatedAfter, err = parseTime(v, "created_after"); err != nil {
		return q, err
	}
	if q.CreatedBefore, err = parseTime(v, "created_before"); err != nil {
		return q, err
	}
	if s := v.Get("idempotency_token"); s != "" {
		if s != "has" && s != "none" {
			return q, invalidParams("idempotency_token must be 'has' or 'none'")
		}
		q.IdempotencyToken = s
	}
	return q, nil
}

func parseTime(v url.Values, name string) (*time.Time, error) {
	s := v.Get(name)
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, invalidParams("%s must be a valid RFC3339 timestamp", name)
	}
	t = t.UTC()
	return &t, nil
}

// splitItems splits a comma-separated value, trimming spaces but keeping
// empty items, which the original refuses as a status or an id ("a,").
func splitItems(s string) []string {
	if s == "" {
		return nil
	}
	items := strings.Split(s, ",")
	for i := range items {
		items[i] = strings.TrimSpace(items[i])
	}
	return items
}

// splitList splits a comma-separated value, trimming spaces and dropping
// empty items.
func splitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// clientParams maps q to the client's list parameters.
func (q ListQuery) clientParams() *client.ListParams {
	p := client.NewListParams().Limit(q.Limit).Offset(q.Offset)
	order := client.SortAsc
	if q.OrderDir == "DESC" {
		order = client.SortDesc
	}
	field, ok := orderFields[q.OrderBy]
	if !ok {
		field = client.OrderByID
	}
	p = p.OrderBy(field, order)
	if len(q.IDs) > 0 {
		p = p.IDs(q.IDs...)
	}
	if len(q.Types) > 0 {
		p = p.Types(q.Types...)
	}
	if len(q.Statuses) > 0 {
		states := make([]asynqpg.TaskStatus, len(q.Statuses))
		for i, s := range q.Statuses {
			states[i] = asynqpg.TaskStatus(s)
		}
		p = p.States(states...)
	}
	if q.CreatedAfter != nil {
		p = p.CreatedAfter(*q.CreatedAfter)
	}
	if q.CreatedBefore != nil {
		p = p.CreatedBefore(*q.CreatedBefore)
	}
	switch q.IdempotencyToken {
	case "has":
		p = p.HasIdempotencyToken(true)
	case "none":
		p = p.HasIdempotencyToken(false)
	}
	return p
}

// ParseTaskID reads a task id from a path segment: a positive decimal
// int64. Anything else is an *Error with code invalid_id.
func ParseTaskID(s string) (int64, error) {
	bad := &Error{Status: http.StatusBadRequest, Code: CodeInvalidID, Message: "invalid task id: " + s}
	if s == "" {
		bad.Message = "missing task id"
		return 0, bad
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, bad
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, bad
	}
	return id, nil
}

// BulkRequest selects the failed tasks of a bulk action: all of them, of
// one type, or those with the given ids (which may also be of Type).
type BulkRequest struct {
	Type *string `json:"type"`
	IDs  []int64 `json:"ids"`
	// byIDs records that the body had an "ids" member, even empty.
	byIDs bool
}

// DecodeBulk reads a bulk request body (JSON, possibly chunked, possibly
// empty). An empty body selects every failed task; a body that is not
// the expected JSON is an *Error with code invalid_body.
func DecodeBulk(body io.Reader) (BulkRequest, error) {
	var req BulkRequest
	if body == nil || body == http.NoBody {
		return req, nil
	}
	data, err := io.ReadAll(io.LimitReader(body, maxBulkBody+1))
	if err != nil {
		return req, &Error{Status: http.StatusBadRequest, Code: CodeInvalidBody, Message: "invalid request body: cannot read it", Err: err}
	}
	if len(data) > maxBulkBody {
		return req, &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeInvalidBody, Message: fmt.Sprintf("request body is over %d bytes", maxBulkBody)}
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return req, nil
	}
	var raw struct {
		Type *string         `json:"type"`
		IDs  json.RawMessage `json:"ids"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return req, &Error{Status: http.StatusBadRequest, Code: CodeInvalidBody, Message: "invalid request body: " + jsonProblem(err), Err: err}
	}
	req.Type = raw.Type
	if len(raw.IDs) > 0 && string(raw.IDs) != "null" {
		if err := json.Unmarshal(raw.IDs, &req.IDs); err != nil {
			return req, &Error{Status: http.StatusBadRequest, Code: CodeInvalidBody, Message: "invalid request body: ids must be an array of task ids: " + jsonProblem(err), Err: err}
		}
		for _, id := range req.IDs {
			if id <= 0 {
				return req, &Error{Status: http.StatusBadRequest, Code: CodeInvalidBody, Message: fmt.Sprintf("invalid request body: invalid task id %d", id)}
			}
		}
		req.byIDs = true
	}
	return req, nil
}

func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ) && typ.Field == "":
		return fmt.Sprintf("the body must be a JSON object, not %s", typ.Value)
	case errors.As(err, &typ):
		return fmt.Sprintf("%s cannot hold %s", typ.Field, typ.Value)
	}
	return err.Error()
}

// ByIDs tells whether r selects tasks by id.
func (r BulkRequest) ByIDs() bool { return r.byIDs }

// WithIDs returns r selecting the tasks with these ids.
func (r BulkRequest) WithIDs(ids ...int64) BulkRequest {
	r.IDs, r.byIDs = ids, true
	return r
}
