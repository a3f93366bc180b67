package observability

import "context"
import "encoding/json"

import "go.opentelemetry.io/otel/propagation"
import "go.opentelemetry.io/otel/trace"

// traceContext is the W3C Trace Context propagator. It is used directly,
// not through the global propagator, so the trace context travels with a
// task whatever the application installed globally (or nothing).
var traceContext propagation.TraceContext

// InjectTraceContext encodes the span context of ctx for storage with a
// task: a JSON object holding the W3C traceparent and, when there is one,
// tracestate, e.g.
//
//	{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
//
// It returns "" when ctx holds no valid span context, so a task enqueued
// without tracing stores nothing.
func InjectTraceContext(ctx context.Context) string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ""
	}
	c := make(propagation.MapCarrier, 2)
	traceContext.Inject(ctx, c)
	b, err := json.Marshal(map[string]string(c))
	if err != nil {
		return ""
	}
	return string(b)
}

// ExtractTraceContext decodes what [InjectTraceContext] encoded. It
// returns the remote span context and true, or an invalid span context
// and false when s is empty or not a valid encoding (a bad stored value
// costs the link, never the task).
func ExtractTraceContext(s string) (trace.SpanContext, bool) {
	if s == "" {
		return trace.SpanContext{}, false
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return trace.SpanContext{}, false
	}
	sc := trace.SpanContextFromContext(traceContext.Extract(context.Background(), propagation.MapCarrier(m)))
	return sc, sc.IsValid()
}
