package main

import "context"
import "encoding/json"
import "fmt"
import "net/url"
import "strconv"
import "strings"
import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/dashboard"
import "github.com/yakser/asynqpg/internal/testfixture"

// TestTasksList: filters, limit, the table and the JSON.
func TestTasksList(t *testing.T) {
	t.Parallel()
	db, dbURL := openDB(t)
	ids := map[string]int64{
		"email pending":  insertTask(t, db, "email", asynqpg.TaskStatusPending),
		"email failed":   insertTask(t, db, "email", asynqpg.TaskStatusFailed),
		"report pending": insertTask(t, db, "report", asynqpg.TaskStatusPending),
		"report done":    insertTask(t, db, "report", asynqpg.TaskStatusCompleted),
		"a very long type name to widen the column": insertTask(t, db, "a very long type name to widen the column", asynqpg.TaskStatusCancelled),
	}
	svc := service(t, db)
	tests := []struct {
		name  string
		args  []string
		query url.Values // the same request to the dashboard's API
		want  []string   // keys of ids, in id order
		total int
	}{
		{"all", nil, nil, []string{"email pending", "email failed", "report pending", "report done",
			"a very long type name to widen the column"}, 5},
		{"status", []string{"--status", "pending"}, url.Values{"status": {"pending"}},
			[]string{"email pending", "report pending"}, 2},
		{"statuses", []string{"--status", "failed,completed"}, url.Values{"status": {"failed,completed"}},
			[]string{"email failed", "report done"}, 2},
		{"type", []string{"--type", "report"}, url.Values{"type": {"report"}},
			[]string{"report pending", "report done"}, 2},
		{"repeated type flag", []string{"--type", "report", "--type", "email", "--status", "pending"},
			url.Values{"type": {"report,email"}, "status": {"pending"}}, []string{"email pending", "report pending"}, 2},
		{"limit", []string{"--limit", "2"}, url.Values{"limit": {"2"}}, []string{"email pending", "email failed"}, 5},
		{"limit past the maximum", []string{"--limit", "20000"}, url.Values{"limit": {"20000"}},
			[]string{"email pending", "email failed", "report pending", "report done",
				"a very long type name to widen the column"}, 5},
		{"no match", []string{"--type", "none"}, url.Values{"type": {"none"}}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"tasks", "list"}, tt.args...)

			r := runCLI(t, dbURL, args...)
			requireOK(t, r)
			lines := tableLines(t, r.stdout, "ID")
			requireAligned(t, lines)
			require.Len(t, lines, 1+len(tt.want), r.stdout)
			for i, key := range tt.want {
				f := strings.Fields(lines[1+i])
				require.Equal(t, strconv.FormatInt(ids[key], 10), f[0], lines[1+i])
			}
			require.Contains(t, r.stdout, fmt.Sprintf("\n%d of %d matching tasks\n", len(tt.want), tt.total))

			r = runCLI(t, dbURL, append(args, "--json")...)
			requireOK(t, r)
			q, err := dashboard.ParseListQuery(tt.query)
			require.NoError(t, err)
			api, err := svc.List(context.Background(), q)
			require.NoError(t, err)
			requireJSON(t, api, r.stdout)
			var got struct {
				Tasks []struct {
					ID int64 `json:"id"`
				} `json:"tasks"`
				Total int `json:"total"`
			}
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &got), r.stdout)
			require.Equal(t, tt.total, got.Total)
			require.Len(t, got.Tasks, len(tt.want))
			for i, key := range tt.want {
				require.Equal(t, ids[key], got.Tasks[i].ID)
			}
		})
	}
}

// TestTasksShow: every field, the messages of every attempt, the payload.
func TestTasksShow(t *testing.T) {
	t.Parallel()
	db, dbURL := openDB(t)
	id := insertTask(t, db, "email", asynqpg.TaskStatusFailed)

	r := runCLI(t, dbURL, "tasks", "show", strconv.FormatInt(id, 10))
	requireOK(t, r)
	for _, want := range []string{
		"ID                 " + strconv.FormatInt(id, 10) + "\n",
		"Type               email\n",
		"Status             failed\n",
		"Attempts elapsed   3\n",
		"Attempts left      0\n",
		"Payload size       7 bytes\n",
		"Messages (3):\n  1. first error\n  2. second error\n  3. third error\n",
		"Payload:\n{\"n\":1}\n",
	} {
		require.Contains(t, r.stdout, want)
	}

	r = runCLI(t, dbURL, "tasks", "show", strconv.FormatInt(id, 10), "--json")
	requireOK(t, r)
	api, err := service(t, db).Get(context.Background(), id)
	require.NoError(t, err)
	requireJSON(t, api, r.stdout)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got), r.stdout)
	require.Equal(t, "failed", got["status"])
	require.Equal(t, `{"n":1}`, got["payload"])
	require.Equal(t, []any{"first error", "second error", "third error"}, got["messages"])
}

// TestTaskActions: retry, cancel and delete by id; a task that cannot be
// changed is named on stderr and makes the exit status 1, the others are
// still changed.
func TestTaskActions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		verb    string
		ok      []asynqpg.TaskStatus // statuses the action accepts
		refused asynqpg.TaskStatus
		after   string // status of an accepted task afterwards, "" for deleted
		reason  string
	}{
		{"retry", []asynqpg.TaskStatus{asynqpg.TaskStatusFailed, asynqpg.TaskStatusCancelled}, asynqpg.TaskStatusPending, "pending", "task is already available for processing"},
		{"cancel", []asynqpg.TaskStatus{asynqpg.TaskStatusPending, asynqpg.TaskStatusFailed}, asynqpg.TaskStatusCompleted, "cancelled", "task is already in a terminal state"},
		{"delete", []asynqpg.TaskStatus{asynqpg.TaskStatusPending, asynqpg.TaskStatusCompleted}, asynqpg.TaskStatusRunning, "", "task is currently running"},
	}
	for _, tt := range tests {
		t.Run(tt.verb, func(t *testing.T) {
			t.Parallel()
			db, dbURL := openDB(t)
			var okIDs []string
			for _, s := range tt.ok {
				okIDs = append(okIDs, strconv.FormatInt(insertTask(t, db, "t", s), 10))
			}
			r := runCLI(t, dbURL, append([]string{"tasks", tt.verb}, okIDs...)...)
			requireOK(t, r)
			require.Equal(t, len(okIDs), strings.Count(r.stdout, "\n"), r.stdout)
			for _, id := range okIDs {
				require.Contains(t, r.stdout, " task "+id+" (t, now ")
			}
			if tt.after == "" {
				require.Equal(t, 0, testfixture.CountTypes(t, db, "t"))
			} else {
				require.Equal(t, len(okIDs), testfixture.CountStatus(t, db, "t", asynqpg.TaskStatus(tt.after)))
			}

			refused := insertTask(t, db, "u", tt.refused)
			fine := insertTask(t, db, "u", tt.ok[0])
			r = runCLI(t, dbURL, "tasks", tt.verb, strconv.FormatInt(refused, 10), strconv.FormatInt(fine, 10), "999999")
			requireFailure(t, r, exitError,
				fmt.Sprintf("cannot %s task %d: %s", tt.verb, refused, tt.reason),
				fmt.Sprintf("cannot %s task 999999: task not found", tt.verb))
			require.Contains(t, r.stdout, fmt.Sprintf(" task %d (u, now ", fine))
			require.Equal(t, tt.refused, asynqpg.TaskStatus(testfixture.StatusOf(t, db, refused)), "the refused task is unchanged")
		})
	}
}

// TestRetryFailed: the bulk retry of failed tasks, of every type or one.
func TestRetryFailed(t *testing.T) {
	t.Parallel()
	db, dbURL := openDB(t)
	for range 3 {
		insertTask(t, db, "a", asynqpg.TaskStatusFailed)
	}
	insertTask(t, db, "b", asynqpg.TaskStatusFailed)
	insertTask(t, db, "b", asynqpg.TaskStatusCancelled)

	r := runCLI(t, dbURL, "tasks", "retry", "--failed", "--type", "a")
	requireOK(t, r)
	require.Equal(t, "retried 3 failed tasks\n", r.stdout)
	require.Equal(t, 3, testfixture.CountStatus(t, db, "a", asynqpg.TaskStatusPending))
	require.Equal(t, 1, testfixture.CountStatus(t, db, "b", asynqpg.TaskStatusFailed))

	r = runCLI(t, dbURL, "tasks", "retry", "--failed")
	requireOK(t, r)
	require.Equal(t, "retried 1 failed tasks\n", r.stdout)
	require.Equal(t, 1, testfixture.CountStatus(t, db, "b", asynqpg.TaskStatusPending))
	require.Equal(t, 1, testfixture.CountStatus(t, db, "b", asynqpg.TaskStatusCancelled))
}
