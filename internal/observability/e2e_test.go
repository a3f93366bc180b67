package observability_test

import "context"
import "errors"
import "fmt"
import "strconv"
import "sync"
import "testing"

import "github.com/stretchr/testify/require"
import "go.opentelemetry.io/otel/attribute"
import "go.opentelemetry.io/otel/codes"
import "go.opentelemetry.io/otel/sdk/metric/metricdata"
import sdktrace "go.opentelemetry.io/otel/sdk/trace"
import "go.opentelemetry.io/otel/trace"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/consumer"
import "github.com/yakser/asynqpg/internal/observability"

// Task types of the end-to-end scenario.
const (
	typeOK     = "obs:ok"
	typeRetry  = "obs:retry"
	typeFail   = "obs:fail"
	typeSnooze = "obs:snooze"
)

// scenarioHandlers: ok completes; retry fails its first attempt and
// completes the second; fail fails at once; snooze snoozes once, then
// completes.
func scenarioHandlers() map[string]consumer.TaskHandlerFunc {
	var snoozed sync.Map
	return map[string]consumer.TaskHandlerFunc{
		typeOK: func(context.Context, *asynqpg.TaskInfo) error { return nil },
		typeRetry: func(_ context.Context, task *asynqpg.TaskInfo) error {
			if task.AttemptsElapsed == 0 {
				return errors.New("transient failure")
			}
			return nil
		},
		typeFail: func(context.Context, *asynqpg.TaskInfo) error {
			return fmt.Errorf("rejected: %w", asynqpg.ErrSkipRetry)
		},
		typeSnooze: func(_ context.Context, task *asynqpg.TaskInfo) error {
			if _, again := snoozed.LoadOrStore(task.ID, true); !again {
				return asynqpg.TaskSnooze(0)
			}
			return nil
		},
	}
}

// TestTelemetryEndToEnd enqueues through one producer instance and
// processes through a separate consumer instance, each with its own
// OpenTelemetry SDK, and checks every metric, span and link they record.
func TestTelemetryEndToEnd(t *testing.T) {
	t.Parallel()
	eachDriver(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		prodTel, consTel := newTelemetry(t), newTelemetry(t)
		p := b.newProducer(t, prodTel, nil)

		// The request that enqueues: its trace must reach every attempt.
		reqCtx, request := prodTel.tp.Tracer("test").Start(ctx, "request")
		ids := map[string]int64{}
		for _, typ := range []string{typeOK, typeRetry, typeFail, typeSnooze} {
			id, err := p.Enqueue(reqCtx, asynqpg.NewTask(typ, []byte(`{}`)))
			require.NoError(t, err)
			ids[typ] = id
		}
		batchIDs, err := p.EnqueueMany(reqCtx, []*asynqpg.Task{
			asynqpg.NewTask(typeOK, []byte{}), asynqpg.NewTask(typeOK, []byte{}),
		})
		require.NoError(t, err)
		require.Len(t, batchIDs, 2)
		request.End()

		c := startConsumer(t, b.consumerConfig(t, consTel), scenarioHandlers())
		b.waitFinal(t, 6)

		// Recorded before the outcomes became visible: no waiting.
		cm := consTel.collect(t)
		checkProcessMetrics(t, cm)
		checkProcessSpans(t, prodTel, consTel, ids, batchIDs, request.SpanContext())

		require.NoError(t, c.Stop())
		inFlight := sumPoints(t, consTel.collect(t)[asynqpg.MetricTasksInFlight], false)
		for k, v := range inFlight {
			require.Zero(t, v, "in flight after Stop: %s", k)
		}

		checkEnqueueMetrics(t, prodTel.collect(t))
		checkEnqueueSpans(t, prodTel, ids, batchIDs, request.SpanContext())
		checkStoredTraceContext(t, b, ids[typeOK], prodTel)
	})
}

// checkProcessMetrics checks the consumer's metrics of the scenario.
func checkProcessMetrics(t *testing.T, ms map[string]metricdata.Metrics) {
	t.Helper()
	wantProcessed := map[string]int64{
		"status=completed,task_type=" + typeOK:     3,
		"status=retried,task_type=" + typeRetry:    1,
		"status=completed,task_type=" + typeRetry:  1,
		"status=failed,task_type=" + typeFail:      1,
		"status=snoozed,task_type=" + typeSnooze:   1,
		"status=completed,task_type=" + typeSnooze: 1,
	}
	require.Equal(t, wantProcessed, sumPoints(t, ms[asynqpg.MetricTasksProcessed], true))
	require.Equal(t, map[string]int64{
		"error_type=handler_error,task_type=" + typeRetry: 1,
		"error_type=handler_error,task_type=" + typeFail:  1,
	}, sumPoints(t, ms[asynqpg.MetricTasksErrors], true))

	counts, sums := histPoints(t, ms[asynqpg.MetricTaskDuration])
	require.Len(t, counts, len(wantProcessed))
	for k, n := range wantProcessed {
		require.Equal(t, uint64(n), counts[k], k)
		require.GreaterOrEqual(t, sums[k], 0.0, k)
	}
	require.Equal(t, map[string]int64{
		"task_type=" + typeOK: 0, "task_type=" + typeRetry: 0, "task_type=" + typeFail: 0, "task_type=" + typeSnooze: 0,
	}, sumPoints(t, ms[asynqpg.MetricTasksInFlight], false))

	for name, unit := range map[string]string{
		asynqpg.MetricTasksProcessed: "{task}",
		asynqpg.MetricTasksErrors:    "{error}",
		asynqpg.MetricTaskDuration:   "s",
		asynqpg.MetricTasksInFlight:  "{task}",
	} {
		require.Equal(t, unit, ms[name].Unit, name)
	}
	require.NotContains(t, ms, asynqpg.MetricTasksEnqueued, "the consumer enqueues nothing")
}

// checkEnqueueMetrics checks the producer's metrics of the scenario.
func checkEnqueueMetrics(t *testing.T, ms map[string]metricdata.Metrics) {
	t.Helper()
	require.Equal(t, map[string]int64{
		"task_type=" + typeOK: 3, "task_type=" + typeRetry: 1, "task_type=" + typeFail: 1, "task_type=" + typeSnooze: 1,
	}, sumPoints(t, ms[asynqpg.MetricTasksEnqueued], true))
	counts, _ := histPoints(t, ms[asynqpg.MetricEnqueueDuration])
	require.Equal(t, map[string]uint64{
		"task_type=" + typeOK: 2, "task_type=" + typeRetry: 1, "task_type=" + typeFail: 1, "task_type=" + typeSnooze: 1,
	}, counts, "one per statement; the batch is of one type")
	require.Equal(t, "{task}", ms[asynqpg.MetricTasksEnqueued].Unit)
	require.Equal(t, "s", ms[asynqpg.MetricEnqueueDuration].Unit)
	for _, name := range []string{asynqpg.MetricTasksProcessed, asynqpg.MetricTasksErrors, asynqpg.MetricTasksInFlight} {
		require.NotContains(t, ms, name, "the producer processes nothing")
	}
}

// enqueueSpanOf maps every enqueued task ID to the span that enqueued it.
func enqueueSpanOf(t *testing.T, prodTel *telemetry, batchIDs []int64) map[int64]sdktrace.ReadOnlySpan {
	t.Helper()
	out := map[int64]sdktrace.ReadOnlySpan{}
	for _, s := range prodTel.spansNamed(asynqpg.SpanEnqueue) {
		out[spanAttrs(s)[observability.AttrTaskID].AsInt64()] = s
	}
	batch := prodTel.spansNamed(asynqpg.SpanEnqueueMany)
	require.Len(t, batch, 1)
	for _, id := range batchIDs {
		out[id] = batch[0]
	}
	return out
}

// checkEnqueueSpans checks the producer's spans of the scenario.
func checkEnqueueSpans(t *testing.T, prodTel *telemetry, ids map[string]int64, batchIDs []int64, request trace.SpanContext) {
	t.Helper()
	single := prodTel.spansNamed(asynqpg.SpanEnqueue)
	require.Len(t, single, len(ids))
	for _, s := range single {
		require.Equal(t, trace.SpanKindProducer, s.SpanKind())
		require.Equal(t, codes.Unset, s.Status().Code)
		require.Equal(t, request.SpanID(), s.Parent().SpanID(), "child of the request")
		a := spanAttrs(s)
		typ := a[asynqpg.AttrTaskType].AsString()
		require.Contains(t, ids, typ)
		id := ids[typ]
		require.Equal(t, map[attribute.Key]attribute.Value{
			"messaging.system":           attribute.StringValue("asynqpg"),
			"messaging.operation.type":   attribute.StringValue("send"),
			"messaging.operation.name":   attribute.StringValue("enqueue"),
			"messaging.destination.name": attribute.StringValue(typ),
			"messaging.message.id":       attribute.StringValue(strconv.FormatInt(id, 10)),
			asynqpg.AttrTaskType:         attribute.StringValue(typ),
			observability.AttrTaskID:     attribute.Int64Value(id),
		}, a)
	}
	batch := prodTel.spansNamed(asynqpg.SpanEnqueueMany)
	require.Len(t, batch, 1)
	s := batch[0]
	require.Equal(t, trace.SpanKindProducer, s.SpanKind())
	require.Equal(t, codes.Unset, s.Status().Code)
	require.Equal(t, request.SpanID(), s.Parent().SpanID())
	require.Equal(t, map[attribute.Key]attribute.Value{
		"messaging.system":              attribute.StringValue("asynqpg"),
		"messaging.operation.type":      attribute.StringValue("send"),
		"messaging.operation.name":      attribute.StringValue("enqueue_many"),
		"messaging.batch.message_count": attribute.IntValue(2),
		"messaging.destination.name":    attribute.StringValue(typeOK),
		asynqpg.AttrTaskType:            attribute.StringValue(typeOK),
		"asynqpg.enqueued":              attribute.IntValue(len(batchIDs)),
	}, spanAttrs(s))
}

// processRun is what one process span says about an attempt.
type processRun struct {
	attempt int64
	status  string
	code    codes.Code
}

// checkProcessSpans checks the consumer's spans of the scenario, and
// their links to the producer's.
func checkProcessSpans(t *testing.T, prodTel, consTel *telemetry, ids map[string]int64, batchIDs []int64, request trace.SpanContext) {
	t.Helper()
	origin := enqueueSpanOf(t, prodTel, batchIDs)
	runs := map[int64][]processRun{}
	spans := consTel.spansNamed(asynqpg.SpanProcess)
	require.Len(t, spans, 8)
	for _, s := range spans {
		require.Equal(t, trace.SpanKindConsumer, s.SpanKind())
		a := spanAttrs(s)
		id := a[observability.AttrTaskID].AsInt64()
		typ := a[asynqpg.AttrTaskType].AsString()
		require.Equal(t, "asynqpg", a["messaging.system"].AsString())
		require.Equal(t, "process", a["messaging.operation.type"].AsString())
		require.Equal(t, "process", a["messaging.operation.name"].AsString())
		require.Equal(t, typ, a["messaging.destination.name"].AsString())
		require.Equal(t, strconv.FormatInt(id, 10), a["messaging.message.id"].AsString())

		// The link, and the parent, is the span that enqueued the task, in
		// the other instance: one trace from the request to every attempt.
		enq, ok := origin[id]
		require.True(t, ok, "task %d has no enqueue span", id)
		require.Len(t, s.Links(), 1)
		require.True(t, s.Links()[0].SpanContext.Equal(enq.SpanContext().WithRemote(true)) ||
			s.Links()[0].SpanContext.Equal(enq.SpanContext()), "link of task %d", id)
		require.Equal(t, enq.SpanContext().SpanID(), s.Parent().SpanID())
		require.True(t, s.Parent().IsRemote())
		require.Equal(t, request.TraceID(), s.SpanContext().TraceID())

		run := processRun{attempt: a[observability.AttrTaskAttempt].AsInt64(), status: a[asynqpg.AttrStatus].AsString(), code: s.Status().Code}
		if run.code == codes.Error {
			require.Equal(t, asynqpg.ErrorTypeHandler, a["error.type"].AsString())
			require.NotEmpty(t, s.Events(), "the error is recorded")
		} else {
			require.NotContains(t, a, attribute.Key("error.type"))
		}
		runs[id] = append(runs[id], run)
	}
	ok := []processRun{{1, asynqpg.StatusCompleted, codes.Unset}}
	want := map[int64][]processRun{
		ids[typeOK]:    ok,
		batchIDs[0]:    ok,
		batchIDs[1]:    ok,
		ids[typeRetry]: {{1, asynqpg.StatusRetried, codes.Error}, {2, asynqpg.StatusCompleted, codes.Unset}},
		ids[typeFail]:  {{1, asynqpg.StatusFailed, codes.Error}},
		// A snooze is no attempt: the second run is attempt 1 again.
		ids[typeSnooze]: {{1, asynqpg.StatusSnoozed, codes.Unset}, {1, asynqpg.StatusCompleted, codes.Unset}},
	}
	require.Equal(t, want, runs)
}

// checkStoredTraceContext checks the trace context stored with task id:
// the W3C traceparent of the span that enqueued it.
func checkStoredTraceContext(t *testing.T, b *bundle, id int64, prodTel *telemetry) {
	t.Helper()
	var enq sdktrace.ReadOnlySpan
	for _, s := range prodTel.spansNamed(asynqpg.SpanEnqueue) {
		if spanAttrs(s)[observability.AttrTaskID].AsInt64() == id {
			enq = s
		}
	}
	require.NotNil(t, enq)
	var traceparent string
	require.NoError(t, b.check.QueryRow(`SELECT trace_context->>'traceparent' FROM asynqpg_tasks WHERE id = $1`, id).Scan(&traceparent))
	sc := enq.SpanContext()
	require.Equal(t, fmt.Sprintf("00-%s-%s-01", sc.TraceID(), sc.SpanID()), traceparent)
}
