package observability_test

import "context"
import "errors"
import "testing"

import "github.com/stretchr/testify/require"
import "go.opentelemetry.io/otel/attribute"
import "go.opentelemetry.io/otel/codes"
import "go.opentelemetry.io/otel/trace"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/observability"

func TestStartProcess(t *testing.T) {
	t.Parallel()
	remote := observability.InjectTraceContext(sampledContext())
	tests := []struct {
		name         string
		traceContext string
		linked       bool
	}{
		{"no trace context", "", false},
		{"bad trace context", `{"traceparent":"bad"}`, false},
		{"trace context", remote, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tel := newTelemetry(t)
			in := tel.instruments(t)
			task := &asynqpg.TaskInfo{ID: 42, Type: "mail", AttemptsElapsed: 2}
			ctx, span := in.Type("mail").StartProcess(context.Background(), task, tt.traceContext)
			require.Equal(t, span.SpanContext(), trace.SpanContextFromContext(ctx), "the handler context carries the span")
			observability.EndSpan(span, nil, "")

			ended := tel.spansNamed(asynqpg.SpanProcess)
			require.Len(t, ended, 1)
			s := ended[0]
			require.Equal(t, trace.SpanKindConsumer, s.SpanKind())
			require.Equal(t, map[attribute.Key]attribute.Value{
				"messaging.system":            attribute.StringValue("asynqpg"),
				"messaging.operation.type":    attribute.StringValue("process"),
				"messaging.operation.name":    attribute.StringValue("process"),
				"messaging.destination.name":  attribute.StringValue("mail"),
				"messaging.message.id":        attribute.StringValue("42"),
				asynqpg.AttrTaskType:          attribute.StringValue("mail"),
				observability.AttrTaskID:      attribute.Int64Value(42),
				observability.AttrTaskAttempt: attribute.Int64Value(3),
			}, spanAttrs(s))
			if !tt.linked {
				require.Empty(t, s.Links())
				require.False(t, s.Parent().IsValid(), "a root span")
				return
			}
			require.Len(t, s.Links(), 1)
			require.Equal(t, remoteTraceID, s.Links()[0].SpanContext.TraceID())
			require.Equal(t, remoteSpanID, s.Links()[0].SpanContext.SpanID())
			require.Equal(t, remoteSpanID, s.Parent().SpanID())
			require.Equal(t, remoteTraceID, s.SpanContext().TraceID())
		})
	}
}

func TestStartEnqueueMany(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		taskType string
		want     map[attribute.Key]attribute.Value
	}{
		{"one type", "mail", map[attribute.Key]attribute.Value{
			"messaging.system":              attribute.StringValue("asynqpg"),
			"messaging.operation.type":      attribute.StringValue("send"),
			"messaging.operation.name":      attribute.StringValue("enqueue_many"),
			"messaging.batch.message_count": attribute.IntValue(5),
			"messaging.destination.name":    attribute.StringValue("mail"),
			asynqpg.AttrTaskType:            attribute.StringValue("mail"),
		}},
		{"several types", "", map[attribute.Key]attribute.Value{
			"messaging.system":              attribute.StringValue("asynqpg"),
			"messaging.operation.type":      attribute.StringValue("send"),
			"messaging.operation.name":      attribute.StringValue("enqueue_many"),
			"messaging.batch.message_count": attribute.IntValue(5),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tel := newTelemetry(t)
			in := tel.instruments(t)
			_, span := in.Type(tt.taskType).StartEnqueueMany(context.Background(), 5)
			observability.EndSpan(span, nil, "")
			ended := tel.spansNamed(asynqpg.SpanEnqueueMany)
			require.Len(t, ended, 1)
			require.Equal(t, trace.SpanKindProducer, ended[0].SpanKind())
			require.Equal(t, tt.want, spanAttrs(ended[0]))
		})
	}
}

func TestEndSpan(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		err       error
		errorType string
		code      codes.Code
		events    int
	}{
		"success":     {nil, "", codes.Unset, 0},
		"error":       {errors.New("boom"), "", codes.Error, 1},
		"typed error": {errors.New("boom"), asynqpg.ErrorTypeDB, codes.Error, 1},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tel := newTelemetry(t)
			_, span := observability.StartClient(context.Background(), tel.tp.Tracer("test"), asynqpg.SpanGetTask,
				observability.AttrTaskID.Int64(7))
			observability.EndSpan(span, tt.err, tt.errorType)
			ended := tel.spansNamed(asynqpg.SpanGetTask)
			require.Len(t, ended, 1)
			s := ended[0]
			require.Equal(t, trace.SpanKindClient, s.SpanKind())
			require.Equal(t, tt.code, s.Status().Code)
			require.Len(t, s.Events(), tt.events)
			a := spanAttrs(s)
			require.Equal(t, int64(7), a[observability.AttrTaskID].AsInt64())
			require.Equal(t, "asynqpg", a["messaging.system"].AsString())
			if tt.errorType != "" {
				require.Equal(t, tt.errorType, a["error.type"].AsString())
			} else {
				require.NotContains(t, a, attribute.Key("error.type"))
			}
			if tt.err != nil {
				require.Equal(t, tt.err.Error(), s.Status().Description)
			}
		})
	}
}
