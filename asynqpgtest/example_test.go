package asynqpgtest_test

import "context"
import "errors"
import "fmt"
import "log"
import "testing"
import "time"

import "github.com/jmoiron/sqlx"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/asynqpgtest"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/internal/testfixture/examples"
import "github.com/yakser/asynqpg/producer"

// signUp is code under test: it enqueues a welcome email in the caller's
// transaction.
func signUp(ctx context.Context, p *producer.Producer, tx *sqlx.Tx, email string) error {
	_, err := p.EnqueueTx(ctx, tx, asynqpg.NewTask("email:welcome", []byte(`{"to":"`+email+`"}`),
		asynqpg.WithMaxRetry(5)))
	return err
}

// exampleTB stands for the *testing.T of the test that calls the
// helpers.
var exampleTB testing.TB = &recorder{}

// Check, before the transaction commits, that the code under test
// enqueued a task.
func ExampleRequireEnqueued() {
	ctx := context.Background()
	db, p, tx := begin()
	defer db.Close()
	defer tx.Rollback()

	if err := signUp(ctx, p, tx, "ada@example.com"); err != nil {
		log.Fatal(err)
	}
	maxRetry := 5
	task := asynqpgtest.RequireEnqueued(exampleTB, tx, "email:welcome", &asynqpgtest.RequireOpts{
		Payload:  []byte(`{ "to": "ada@example.com" }`),
		MaxRetry: &maxRetry,
	})
	fmt.Println(task.Type, string(task.Payload), task.AttemptsLeft)
	// Output:
	// email:welcome {"to":"ada@example.com"} 5
}

// Check that nothing was enqueued for a type.
func ExampleRequireNotEnqueued() {
	db := examples.Open()
	defer db.Close()

	asynqpgtest.RequireNotEnqueued(exampleTB, db, "email:goodbye", nil)
	fmt.Println("failed:", exampleTB.Failed())
	// Output:
	// failed: false
}

// Check several tasks, in the order they were enqueued.
func ExampleRequireManyEnqueued() {
	ctx := context.Background()
	db, p, tx := begin()
	defer db.Close()
	defer tx.Rollback()
	if _, err := p.EnqueueManyTx(ctx, tx, []*asynqpg.Task{
		asynqpg.NewTask("invoice:create", []byte(`{"order":42}`)),
		asynqpg.NewTask("invoice:send", []byte(`{"order":42}`), asynqpg.WithDelay(time.Hour)),
	}); err != nil {
		log.Fatal(err)
	}

	tasks := asynqpgtest.RequireManyEnqueued(exampleTB, tx, []asynqpgtest.ExpectedTask{
		{Type: "invoice:create"},
		{Type: "invoice:send", Opts: &asynqpgtest.RequireOpts{ScheduledAt: time.Now().Add(time.Hour)}},
	})
	for _, task := range tasks {
		fmt.Println(task.Type, string(task.Payload))
	}
	// Output:
	// invoice:create {"order":42}
	// invoice:send {"order":42}
}

// Run a handler as a consumer would and see what it does to the task.
func ExampleWork() {
	ctx := context.Background()
	h := consumer.TaskHandlerFunc(func(ctx context.Context, task *asynqpg.TaskInfo) error {
		if string(task.Payload) == `"later"` {
			return asynqpg.TaskSnooze(10 * time.Minute)
		}
		return errors.New("mail server down")
	})

	res, err := asynqpgtest.Work(ctx, h, asynqpg.NewTask("email:send", []byte(`"later"`)))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Outcome, res.SnoozedFor)

	res, err = asynqpgtest.Work(ctx, h, asynqpg.NewTask("email:send", []byte(`"now"`), asynqpg.WithMaxRetry(1)))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Outcome, res.Err)
	// Output:
	// snoozed 10m0s
	// failed mail server down
}
