package client_test

import "context"
import "fmt"
import "log"
import "log/slog"
import "slices"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"

// List who is working, and find the task types whose tasks wait for a
// consumer that is not there: here a type mistyped when enqueueing.
func ExampleClient_ListUnservedTaskTypes() {
	ctx := context.Background()
	db, p, cl := connect()
	defer db.Close()

	c := must(consumer.New(consumer.Config{Pool: db, ClientID: "example-invoices",
		Logger: slog.New(slog.DiscardHandler), DisableMaintenance: true}))
	err := c.RegisterTaskHandler("invoice:send", consumer.TaskHandlerFunc(
		func(context.Context, *asynqpg.TaskInfo) error { return nil }), consumer.WithWorkersCount(4))
	if err != nil {
		log.Fatal(err)
	}
	if err := c.Start(); err != nil {
		log.Fatal(err)
	}
	defer c.Stop()

	id := must(p.Enqueue(ctx, asynqpg.NewTask("invoice:sned", []byte(`{"invoice":7}`))))
	defer cl.DeleteTask(ctx, id)

	consumers := must(cl.ListConsumers(ctx))
	for _, ci := range consumers {
		if ci.ID == "example-invoices" {
			fmt.Println(ci.TaskTypes, ci.Workers)
		}
	}
	types := must(cl.ListUnservedTaskTypes(ctx))
	fmt.Println(slices.Contains(types, "invoice:sned"), slices.Contains(types, "invoice:send"))
	// Output:
	// [invoice:send] map[invoice:send:4]
	// true false
}
