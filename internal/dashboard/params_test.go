package dashboard

import "errors"
import "io"
import "net/http"
import "net/url"
import "strings"
import "testing"
import "testing/iotest"

func TestParseListQueryRejectsBadValues(t *testing.T) {
	tests := []struct {
		name, query, wantInMessage string
	}{
		{"limit not a number", "limit=abc", "limit must be a positive integer"},
		{"limit zero", "limit=0", "limit"},
		{"limit negative", "limit=-5", "limit"},
		{"limit past int", "limit=99999999999999999999", "limit"},
		{"offset negative", "offset=-1", "offset"},
		{"offset not a number", "offset=x", "offset"},
		{"unknown status", "status=pending,done", "invalid status: done"},
		{"id past int64", "id=9223372036854775808", "invalid task id: 9223372036854775808"},
		{"id zero", "id=0", "invalid task id: 0"},
		{"id not a number", "id=1,x", "invalid task id: x"},
		{"unknown order field", "order_by=payload", "invalid order_by field: payload"},
		{"unknown order", "order=up", "order must be ASC or DESC"},
		{"bad created_after", "created_after=yesterday", "created_after"},
		{"bad created_before", "created_before=2024-13-01T00:00:00Z", "created_before"},
		{"bad idempotency filter", "idempotency_token=maybe", "idempotency_token must be 'has' or 'none'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ParseListQuery(v)
			var apiErr *Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("ParseListQuery(%s) = %v, want an *Error", tt.query, err)
			}
			if apiErr.Code != CodeInvalidParams || apiErr.Status != http.StatusBadRequest {
				t.Errorf("code %s status %d, want invalid_params 400", apiErr.Code, apiErr.Status)
			}
			if !strings.Contains(apiErr.Message, tt.wantInMessage) {
				t.Errorf("message %q does not hold the original's %q", apiErr.Message, tt.wantInMessage)
			}
		})
	}
}

func TestParseListQueryAcceptsTheOriginalsParameters(t *testing.T) {
	v, _ := url.ParseQuery("limit=20000&offset=10&status=failed, pending&type=a,,b&id=9223372036854775807&" +
		"order_by=created_at&order=desc&created_after=2024-01-02T03:04:05.123Z&idempotency_token=has")
	q, err := ParseListQuery(v)
	if err != nil {
		t.Fatal(err)
	}
	if q.Limit != MaxLimit || q.Offset != 10 || q.OrderDir != "DESC" || q.OrderBy != "created_at" || q.IdempotencyToken != "has" {
		t.Errorf("query %+v", q)
	}
	if strings.Join(q.Statuses, ",") != "failed,pending" || strings.Join(q.Types, ",") != "a,b" {
		t.Errorf("statuses %v types %v", q.Statuses, q.Types)
	}
	if len(q.IDs) != 1 || q.IDs[0] != 1<<63-1 || q.CreatedAfter == nil || q.CreatedAfter.Nanosecond() != 123e6 {
		t.Errorf("ids %v created_after %v", q.IDs, q.CreatedAfter)
	}
	def, err := ParseListQuery(url.Values{})
	if err != nil || def.Limit != DefaultLimit || def.OrderBy != "id" || def.OrderDir != "ASC" {
		t.Errorf("defaults %+v, %v", def, err)
	}
}

func TestParseTaskID(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1", 1, true},
		{"9223372036854775807", 1<<63 - 1, true},
		{"9223372036854775808", 0, false},
		{"99999999999999999999999", 0, false},
		{"0", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{"1e3", 0, false},
		{"", 0, false},
		{"١", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseTaskID(tt.in)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("ParseTaskID(%q) = %d, %v", tt.in, got, err)
		}
		var apiErr *Error
		if err != nil && (!errors.As(err, &apiErr) || apiErr.Code != CodeInvalidID) {
			t.Errorf("ParseTaskID(%q) error %v, want code invalid_id", tt.in, err)
		}
	}
}

func TestDecodeBulk(t *testing.T) {
	typ := "email"
	tests := []struct {
		name    string
		body    io.Reader
		byIDs   bool
		ids     []int64
		typ     *string
		errCode string
	}{
		{name: "no body", body: http.NoBody},
		{name: "empty", body: strings.NewReader("")},
		{name: "empty object", body: strings.NewReader("{}")},
		{name: "type", body: strings.NewReader(`{"type":"email"}`), typ: &typ},
		{name: "ids", body: strings.NewReader(`{"ids":[3,4]}`), byIDs: true, ids: []int64{3, 4}},
		{name: "ids read a byte at a time, as a chunked body is", body: iotest.OneByteReader(strings.NewReader(`{"ids":[7], "type":"email"}`)), byIDs: true, ids: []int64{7}, typ: &typ},
		{name: "empty ids", body: strings.NewReader(`{"ids":[]}`), byIDs: true, ids: []int64{}},
		{name: "null ids", body: strings.NewReader(`{"ids":null}`)},
		{name: "malformed", body: strings.NewReader(`{"type":`), errCode: CodeInvalidBody},
		{name: "ids not numbers", body: strings.NewReader(`{"ids":["a"]}`), errCode: CodeInvalidBody},
		{name: "id past int64", body: strings.NewReader(`{"ids":[9223372036854775808]}`), errCode: CodeInvalidBody},
		{name: "id negative", body: strings.NewReader(`{"ids":[-1]}`), errCode: CodeInvalidBody},
		{name: "too large", body: strings.NewReader(`{"ids":[` + strings.Repeat("1,", maxBulkBody) + `1]}`), errCode: CodeInvalidBody},
		{name: "read error", body: iotest.ErrReader(errors.New("connection reset")), errCode: CodeInvalidBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := DecodeBulk(tt.body)
			if tt.errCode != "" {
				var apiErr *Error
				if !errors.As(err, &apiErr) || apiErr.Code != tt.errCode {
					t.Fatalf("DecodeBulk = %+v, %v; want code %s", req, err, tt.errCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if req.ByIDs() != tt.byIDs || len(req.IDs) != len(tt.ids) {
				t.Fatalf("request %+v, want by ids %v %v", req, tt.byIDs, tt.ids)
			}
			for i := range tt.ids {
				if req.IDs[i] != tt.ids[i] {
					t.Fatalf("ids %v, want %v", req.IDs, tt.ids)
				}
			}
			if (req.Type == nil) != (tt.typ == nil) || (req.Type != nil && *req.Type != *tt.typ) {
				t.Fatalf("type %v, want %v", req.Type, tt.typ)
			}
		})
	}
}
