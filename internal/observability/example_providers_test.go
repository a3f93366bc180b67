package observability_test

import "context"
import "fmt"
import "log"
import "time"

import sdkmetric "go.opentelemetry.io/otel/sdk/metric"
import "go.opentelemetry.io/otel/sdk/metric/metricdata"
import sdktrace "go.opentelemetry.io/otel/sdk/trace"
import "go.opentelemetry.io/otel/sdk/trace/tracetest"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/internal/testfixture/examples"
import "github.com/yakser/asynqpg/producer"

// Give the producer, the consumer and the client a MeterProvider and a
// TracerProvider. Here they are the SDK's, reading into memory, to show
// what one task records; an application gives them exporters (OTLP, or
// Prometheus) instead, as docs/observability/README.md shows.
func Example_providers() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))

	db := examples.Open()
	defer db.Close()
	p := must(producer.New(producer.Config{Pool: db, MeterProvider: mp, TracerProvider: tp}))
	c := must(consumer.New(consumer.Config{Pool: db, MeterProvider: mp, TracerProvider: tp}))
	cl := must(client.New(client.Config{Pool: db, TracerProvider: tp}))

	done := make(chan struct{}, 1)
	err := c.RegisterTaskHandler("report:generate", consumer.TaskHandlerFunc(
		func(ctx context.Context, task *asynqpg.TaskInfo) error {
			done <- struct{}{}
			return nil
		}))
	if err != nil {
		log.Fatal(err)
	}
	id := must(p.Enqueue(ctx, asynqpg.NewTask("report:generate", []byte(`{"month":"2026-01"}`))))
	if err := c.Start(); err != nil {
		log.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(time.Minute):
		log.Fatal("the task did not run")
	}
	if err := c.Stop(); err != nil {
		log.Fatal(err)
	}
	if _, err := cl.GetTask(ctx, id); err != nil {
		log.Fatal(err)
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		log.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != asynqpg.MetricTasksProcessed {
				continue
			}
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				taskType, _ := dp.Attributes.Value(asynqpg.AttrTaskType)
				status, _ := dp.Attributes.Value(asynqpg.AttrStatus)
				fmt.Printf("%s{task_type=%q, status=%q} %d\n", m.Name, taskType.AsString(), status.AsString(), dp.Value)
			}
		}
	}

	ended := spans.Ended()
	for _, s := range ended {
		fmt.Println(s.Name(), s.SpanKind())
	}
	enqueue, process := ended[0], ended[1]
	fmt.Println("process is a child of enqueue:", process.Parent().SpanID() == enqueue.SpanContext().SpanID())
	// Output:
	// asynqpg.tasks.processed{task_type="report:generate", status="completed"} 1
	// asynqpg.enqueue producer
	// asynqpg.process consumer
	// asynqpg.get_task client
	// process is a child of enqueue: true
}
