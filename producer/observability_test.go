package producer_test

import "context"
import "testing"

import "github.com/stretchr/testify/require"
import "go.opentelemetry.io/otel/codes"
import sdkmetric "go.opentelemetry.io/otel/sdk/metric"
import "go.opentelemetry.io/otel/sdk/metric/metricdata"
import sdktrace "go.opentelemetry.io/otel/sdk/trace"
import "go.opentelemetry.io/otel/sdk/trace/tracetest"
import "go.opentelemetry.io/otel/trace"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/producer"

func TestObservability(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	spans := tracetest.NewSpanRecorder()
	reader := sdkmetric.NewManualReader()
	b := setup(t, producer.Config{
		TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)),
		MeterProvider:  sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)),
	})

	_, err := b.producer.Enqueue(ctx, asynqpg.NewTask("obs:a", []byte{}, asynqpg.WithIdempotencyToken("k")))
	require.NoError(t, err)
	_, err = b.producer.Enqueue(ctx, asynqpg.NewTask("obs:a", []byte{}, asynqpg.WithIdempotencyToken("k")))
	require.ErrorIs(t, err, producer.ErrDuplicateTask)
	_, err = b.producer.Enqueue(ctx, asynqpg.NewTask("", []byte{}))
	require.ErrorIs(t, err, producer.ErrInvalidTask)
	_, err = b.producer.EnqueueMany(ctx, []*asynqpg.Task{
		asynqpg.NewTask("obs:a", []byte{}), asynqpg.NewTask("obs:b", []byte{}), asynqpg.NewTask("obs:b", []byte{}),
	})
	require.NoError(t, err)

	ended := spans.Ended()
	require.Len(t, ended, 4)
	wantNames := []string{asynqpg.SpanEnqueue, asynqpg.SpanEnqueue, asynqpg.SpanEnqueue, asynqpg.SpanEnqueueMany}
	wantCodes := []codes.Code{codes.Unset, codes.Unset, codes.Error, codes.Unset}
	for i, s := range ended {
		require.Equal(t, wantNames[i], s.Name())
		require.Equal(t, trace.SpanKindProducer, s.SpanKind())
		require.Equal(t, wantCodes[i], s.Status().Code, s.Name())
	}

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(ctx, &rm))
	enqueued := map[string]int64{}
	durations := uint64(0)
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch m.Name {
			case asynqpg.MetricTasksEnqueued:
				for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
					v, _ := dp.Attributes.Value(asynqpg.AttrTaskType)
					enqueued[v.AsString()] += dp.Value
				}
			case asynqpg.MetricEnqueueDuration:
				for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
					durations += dp.Count
				}
			}
		}
	}
	require.Equal(t, map[string]int64{"obs:a": 2, "obs:b": 2}, enqueued)
	require.Equal(t, uint64(3), durations, "one per statement-running call")
}
