package client_test

import "context"
import "fmt"
import "log"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

// TestPauseNotifies checks that a pause is announced on asynqpg_pause, a
// resume on asynqpg_pause and asynqpg_new_task, each with the type as its
// payload, and that a pause or resume that changes nothing announces
// nothing.
func TestPauseNotifies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	conn := b.listen(t, "asynqpg_pause", "asynqpg_new_task")

	steps := []struct {
		name   string
		call   func(context.Context, string) error
		typ    string
		notify []string // channels notified, in order
	}{
		{name: "pause", call: b.client.PauseTaskType, typ: "report", notify: []string{"asynqpg_pause"}},
		{name: "pause again", call: b.client.PauseTaskType, typ: "report"},
		{name: "resume one not paused", call: b.client.ResumeTaskType, typ: "other"},
		{name: "resume", call: b.client.ResumeTaskType, typ: "report", notify: []string{"asynqpg_pause", "asynqpg_new_task"}},
		{name: "resume again", call: b.client.ResumeTaskType, typ: "report"},
	}
	for _, s := range steps {
		require.NoError(t, s.call(ctx, s.typ), s.name)
		var got []string
		for {
			wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			n, err := conn.WaitForNotification(wctx)
			cancel()
			if err != nil {
				break // none within the wait: every notification was received
			}
			require.Equal(t, s.typ, n.Payload, s.name)
			got = append(got, n.Channel)
		}
		require.Equal(t, s.notify, got, s.name)
	}
}

// TestPauseArgs checks that a nil context is refused before the database
// is asked.
func TestPauseArgs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var ctx context.Context // nil
	calls := map[string]func() error{
		"pause":  func() error { return b.client.PauseTaskType(ctx, "t") },
		"resume": func() error { return b.client.ResumeTaskType(ctx, "t") },
		"list": func() error {
			_, err := b.client.ListPausedTaskTypes(ctx)
			return err
		},
	}
	for name, call := range calls {
		require.ErrorContains(t, call(), "context cannot be nil", name)
	}
}

// Pause a task type on the database, list the paused types, resume it.
func ExampleClient_PauseTaskType() {
	ctx := context.Background()
	db, _, cl := connect()
	defer db.Close()

	// Consumers stop claiming reports within a second; running ones finish.
	if err := cl.PauseTaskType(ctx, "report:build"); err != nil {
		log.Fatal(err)
	}
	paused, err := cl.ListPausedTaskTypes(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("paused:", paused)

	// Consumers are woken at once.
	if err := cl.ResumeTaskType(ctx, "report:build"); err != nil {
		log.Fatal(err)
	}
	paused, err = cl.ListPausedTaskTypes(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("paused:", paused)
	// Output:
	// paused: [report:build]
	// paused: []
}
