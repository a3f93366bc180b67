package observability_test

import "context"
import "testing"
import "time"

import "github.com/stretchr/testify/require"
import "go.opentelemetry.io/otel/attribute"
import "go.opentelemetry.io/otel/metric"
import sdkmetric "go.opentelemetry.io/otel/sdk/metric"
import sdktrace "go.opentelemetry.io/otel/sdk/trace"
import "go.opentelemetry.io/otel/trace"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/observability"

// benchTask is the task the benchmarks process.
var benchTask = &asynqpg.TaskInfo{ID: 123456, Type: "email:send", AttemptsLeft: 3}

// benchHandler stands for a handler that does nothing.
var benchHandler = func(context.Context, *asynqpg.TaskInfo) error { return nil }

// processAttempt is the instrumentation of one attempt as the consumer
// records it, around a handler.
func processAttempt(m *observability.TaskType, traceContext string) {
	ctx, span := m.StartProcess(context.Background(), benchTask, traceContext)
	m.InFlight(ctx, 1)
	start := time.Now()
	err := benchHandler(ctx, benchTask)
	elapsed := time.Since(start)
	m.InFlight(ctx, -1)
	m.Processed(ctx, asynqpg.StatusCompleted, elapsed)
	if span.IsRecording() {
		span.SetAttributes(asynqpg.AttrStatus.String(asynqpg.StatusCompleted))
	}
	observability.EndSpan(span, err, "")
}

// BenchmarkProcessBaseline is the handler call and clock reads of an
// attempt, without instrumentation.
func BenchmarkProcessBaseline(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ctx := context.Background()
		start := time.Now()
		_ = benchHandler(ctx, benchTask)
		_ = time.Since(start)
	}
}

// BenchmarkProcessNoProvider is an attempt instrumented with no provider
// configured (the global, no-op ones).
func BenchmarkProcessNoProvider(b *testing.B) {
	in, err := observability.New(nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	m := in.Type(benchTask.Type)
	b.ReportAllocs()
	for b.Loop() {
		processAttempt(m, "")
	}
}

// noopFloor makes the OpenTelemetry calls an attempt makes, directly on
// the global providers, with options built beforehand: the floor an
// instrumented attempt with no provider is measured against.
type noopFloor struct {
	m        *asynqpg.Metrics
	tracer   trace.Tracer
	spanOpts []trace.SpanStartOption
	add      []metric.AddOption
	rec      []metric.RecordOption
}

func newNoopFloor(tb testing.TB) *noopFloor {
	tb.Helper()
	m, err := asynqpg.NewMetrics(nil)
	if err != nil {
		tb.Fatal(err)
	}
	o := metric.WithAttributeSet(attribute.NewSet(asynqpg.AttrTaskType.String(benchTask.Type)))
	return &noopFloor{
		m:        m,
		tracer:   asynqpg.NewTracer(nil),
		spanOpts: []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindConsumer)},
		add:      []metric.AddOption{o},
		rec:      []metric.RecordOption{o},
	}
}

func (f *noopFloor) attempt() {
	ctx, span := f.tracer.Start(context.Background(), asynqpg.SpanProcess, f.spanOpts...)
	f.m.TasksInFlight.Add(ctx, 1, f.add...)
	start := time.Now()
	_ = benchHandler(ctx, benchTask)
	elapsed := time.Since(start)
	f.m.TasksInFlight.Add(ctx, -1, f.add...)
	f.m.TasksProcessed.Add(ctx, 1, f.add...)
	f.m.TaskDuration.Record(ctx, elapsed.Seconds(), f.rec...)
	span.End()
}

// BenchmarkProcessNoProviderFloor is the floor of
// BenchmarkProcessNoProvider: the same OpenTelemetry calls, made directly.
func BenchmarkProcessNoProviderFloor(b *testing.B) {
	f := newNoopFloor(b)
	b.ReportAllocs()
	for b.Loop() {
		f.attempt()
	}
}

// TestNoProviderCostIsNoopOnly checks that, with no provider, an
// instrumented attempt allocates no more than the no-op OpenTelemetry
// calls it makes. Not parallel: allocations are counted process-wide.
func TestNoProviderCostIsNoopOnly(t *testing.T) {
	in, err := observability.New(nil, nil)
	require.NoError(t, err)
	m := in.Type(benchTask.Type)
	f := newNoopFloor(t)
	floor := testing.AllocsPerRun(1000, f.attempt)
	got := testing.AllocsPerRun(1000, func() { processAttempt(m, "") })
	require.LessOrEqual(t, got, floor, "allocations per attempt beyond the no-op calls")
	enqueue := testing.AllocsPerRun(1000, func() { enqueueOne(in) })
	require.LessOrEqual(t, enqueue, floor)
}

// BenchmarkProcessSDK is an attempt instrumented with the OpenTelemetry
// SDK recording everything, for comparison.
func BenchmarkProcessSDK(b *testing.B) {
	in := sdkInstruments(b)
	m := in.Type(benchTask.Type)
	tc := observability.InjectTraceContext(sampledContext())
	b.ReportAllocs()
	for b.Loop() {
		processAttempt(m, tc)
	}
}

// enqueueOne is the instrumentation of one enqueue as the producer
// records it.
func enqueueOne(in *observability.Instruments) {
	m := in.Type(benchTask.Type)
	ctx, span := m.StartEnqueue(context.Background())
	_ = observability.InjectTraceContext(ctx)
	start := time.Now()
	m.EnqueueDuration(ctx, time.Since(start))
	observability.Enqueued(span, benchTask.ID)
	m.Enqueued(ctx, 1)
	observability.EndSpan(span, nil, "")
}

// BenchmarkEnqueueNoProvider is an enqueue instrumented with no provider
// configured.
func BenchmarkEnqueueNoProvider(b *testing.B) {
	in, err := observability.New(nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		enqueueOne(in)
	}
}

// BenchmarkEnqueueSDK is an enqueue instrumented with the SDK, for
// comparison.
func BenchmarkEnqueueSDK(b *testing.B) {
	in := sdkInstruments(b)
	b.ReportAllocs()
	for b.Loop() {
		enqueueOne(in)
	}
}

// sdkInstruments returns instruments on SDK providers that keep nothing.
func sdkInstruments(b *testing.B) *observability.Instruments {
	b.Helper()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(discard{}))
	b.Cleanup(func() {
		_ = mp.Shutdown(context.Background())
		_ = tp.Shutdown(context.Background())
	})
	in, err := observability.New(mp, tp)
	if err != nil {
		b.Fatal(err)
	}
	return in
}

// discard is a span processor that drops every span.
type discard struct{}

func (discard) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (discard) OnEnd(sdktrace.ReadOnlySpan)                     {}
func (discard) Shutdown(context.Context) error                  { return nil }
func (discard) ForceFlush(context.Context) error                { return nil }
