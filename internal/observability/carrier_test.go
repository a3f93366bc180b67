package observability_test

import "context"
import "testing"

import "github.com/stretchr/testify/require"
import "go.opentelemetry.io/otel"
import "go.opentelemetry.io/otel/trace"

import "github.com/yakser/asynqpg/internal/observability"

func TestTraceContextRoundTrip(t *testing.T) {
	t.Parallel()
	state, err := trace.ParseTraceState("vendor=opaque,other=1")
	require.NoError(t, err)
	tests := []struct {
		name  string
		flags trace.TraceFlags
		state trace.TraceState
		want  string
	}{
		{"sampled", trace.FlagsSampled, trace.TraceState{},
			`{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}`},
		{"not sampled", 0, trace.TraceState{},
			`{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"}`},
		{"with tracestate", trace.FlagsSampled, state,
			`{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","tracestate":"vendor=opaque,other=1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc := trace.NewSpanContext(trace.SpanContextConfig{
				TraceID: remoteTraceID, SpanID: remoteSpanID, TraceFlags: tt.flags, TraceState: tt.state,
			})
			encoded := observability.InjectTraceContext(trace.ContextWithSpanContext(context.Background(), sc))
			require.Equal(t, tt.want, encoded)
			got, ok := observability.ExtractTraceContext(encoded)
			require.True(t, ok)
			require.True(t, got.IsRemote())
			require.True(t, sc.WithRemote(true).Equal(got), "got %v", got)
		})
	}
}

func TestTraceContextWithoutSpan(t *testing.T) {
	t.Parallel()
	require.Empty(t, observability.InjectTraceContext(context.Background()))
	// The global propagator is the default no-op one here: the carrier
	// does not depend on it.
	require.Empty(t, otel.GetTextMapPropagator().Fields())
	require.NotEmpty(t, observability.InjectTraceContext(sampledContext()))
}

func TestExtractTraceContextRejects(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"",
		"not json",
		`[]`,
		`{}`,
		`{"traceparent":"garbage"}`,
		`{"traceparent":"00-00000000000000000000000000000000-00f067aa0ba902b7-01"}`,
		`{"traceparent":7}`,
	} {
		t.Run(s, func(t *testing.T) {
			t.Parallel()
			sc, ok := observability.ExtractTraceContext(s)
			require.False(t, ok)
			require.False(t, sc.IsValid())
		})
	}
}
