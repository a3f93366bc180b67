package ui

import "encoding/json"
import "net/http"
import "strings"
import "testing"

// TestListParamsErrorsAreTheOriginals: a bad query parameter of
// /api/tasks or a bad task id answers 400 with the original's code and
// its exact message, under the root and under a prefix.
func TestListParamsErrorsAreTheOriginals(t *testing.T) {
	tests := []struct {
		target, code, message string
	}{
		{"/api/tasks?limit=abc", "invalid_params", "limit must be a positive integer"},
		{"/api/tasks?limit=0", "invalid_params", "limit must be a positive integer"},
		{"/api/tasks?offset=-1", "invalid_params", "offset must be a non-negative integer"},
		{"/api/tasks?status=pending,bogus", "invalid_params", "invalid status: bogus"},
		{"/api/tasks?id=1,abc", "invalid_params", "invalid task id: abc"},
		{"/api/tasks?id=-5", "invalid_params", "invalid task id: -5"},
		{"/api/tasks?id=1,", "invalid_params", "invalid task id: "},
		{"/api/tasks?status=failed,", "invalid_params", "invalid status: "},
		{"/api/tasks?order_by=payload", "invalid_params", "invalid order_by field: payload"},
		{"/api/tasks?order=RANDOM", "invalid_params", "order must be ASC or DESC"},
		{"/api/tasks?created_after=yesterday", "invalid_params", "created_after must be a valid RFC3339 timestamp"},
		{"/api/tasks?created_before=x", "invalid_params", "created_before must be a valid RFC3339 timestamp"},
		{"/api/tasks?idempotency_token=maybe", "invalid_params", "idempotency_token must be 'has' or 'none'"},
		{"/api/tasks/abc", "invalid_id", "invalid task id: abc"},
		{"/api/tasks/0/payload", "invalid_id", "invalid task id: 0"},
		{"/api/tasks/99999999999999999999", "invalid_id", "invalid task id: 99999999999999999999"},
		{"/api/tasks/987654", "task_not_found", "task not found"},
	}
	for _, prefix := range []string{"/", testPrefix} {
		f := newAPI(t, HandlerOpts{Prefix: prefix})
		for _, tt := range tests {
			t.Run(prefix+tt.target, func(t *testing.T) {
				rec := f.do(t, http.MethodGet, mountPrefix(prefix)+tt.target, nil)
				status := http.StatusBadRequest
				if tt.code == "task_not_found" {
					status = http.StatusNotFound
				}
				wantError(t, rec, status, tt.code)
				if got := decodeReply(t, rec).Error.Message; got != tt.message {
					t.Errorf("message %q, want the original's %q", got, tt.message)
				}
			})
		}
	}
}

// TestLeaderRouteShowsAnExpiredTerm: like the original, the leader route
// shows the last term recorded even once it has expired, with no time
// left, and zero values only when no term is recorded.
func TestLeaderRouteShowsAnExpiredTerm(t *testing.T) {
	f := newAPI(t, HandlerOpts{})
	tests := []struct {
		name, sql, wantID string
		wantTTL           func(int64) bool
	}{
		{"none recorded", `DELETE FROM asynqpg_leader`, "", func(s int64) bool { return s == 0 }},
		{"active", `INSERT INTO asynqpg_leader (name, leader_id, elected_at, expires_at)
			VALUES ('default', 'consumer-active', now() - interval '10 seconds', now() + interval '45 seconds')`,
			"consumer-active", func(s int64) bool { return s > 0 && s <= 46 }},
		{"expired", `UPDATE asynqpg_leader SET leader_id = 'consumer-stale', expires_at = now() - interval '30 seconds'`,
			"consumer-stale", func(s int64) bool { return s == 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.DB.Exec(tt.sql); err != nil {
				t.Fatal(err)
			}
			rec := f.do(t, http.MethodGet, testPrefix+"/api/cluster/leader", nil)
			var got struct {
				LeaderID  string           `json:"leader_id"`
				ElectedAt *json.RawMessage `json:"elected_at"`
				ExpiresAt *json.RawMessage `json:"expires_at"`
				TTL       int64            `json:"lease_ttl_seconds"`
			}
			if err := json.Unmarshal(decodeReply(t, rec).Data, &got); err != nil || rec.Code != http.StatusOK {
				t.Fatalf("%d %s: %v", rec.Code, rec.Body, err)
			}
			recorded := tt.wantID != ""
			if got.LeaderID != tt.wantID || !tt.wantTTL(got.TTL) || (got.ElectedAt != nil) != recorded || (got.ExpiresAt != nil) != recorded {
				t.Fatalf("leader %s, want %q", strings.TrimSpace(rec.Body.String()), tt.wantID)
			}
		})
	}
}

// TestBulkBodyErrorsAreInvalidBody: a bulk body that is not the expected
// JSON object answers 400 invalid_body, its message starting with the
// original's "invalid request body" and saying what is wrong.
func TestBulkBodyErrorsAreInvalidBody(t *testing.T) {
	f := newAPI(t, HandlerOpts{})
	tests := []struct{ body, detail string }{
		{`{bad`, "malformed JSON"},
		{`[]`, "the body must be a JSON object, not array"},
		{`"sms"`, "the body must be a JSON object, not string"},
		{`{"type":5}`, "type cannot hold number"},
	}
	for _, tt := range tests {
		for _, action := range []string{"retry", "delete"} {
			t.Run(action+" "+tt.body, func(t *testing.T) {
				rec := f.do(t, http.MethodPost, testPrefix+"/api/tasks/bulk/"+action, strings.NewReader(tt.body))
				wantError(t, rec, http.StatusBadRequest, "invalid_body")
				msg := decodeReply(t, rec).Error.Message
				if !strings.HasPrefix(msg, "invalid request body: ") || !strings.Contains(msg, tt.detail) {
					t.Errorf("message %q, want the original's prefix and %q", msg, tt.detail)
				}
			})
		}
	}
}
