package observability_test

import "context"
import "fmt"

import "go.opentelemetry.io/otel/trace"

import "github.com/yakser/asynqpg/internal/observability"

// The producer stores the enqueue span's context with the task; the
// consumer reads it back to link (and parent) the process span.
func ExampleInjectTraceContext() {
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled,
	})
	stored := observability.InjectTraceContext(trace.ContextWithSpanContext(context.Background(), sc))
	fmt.Println(stored)

	back, ok := observability.ExtractTraceContext(stored)
	fmt.Println(ok, back.TraceID(), back.SpanID(), back.IsRemote())
	// Output:
	// {"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
	// true 4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7 true
}
