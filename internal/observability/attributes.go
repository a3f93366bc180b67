package observability

import "go.opentelemetry.io/otel/attribute"
import semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

// MessagingSystem is the value of the messaging.system attribute of every
// asynqpg span: the queue is the messaging system, PostgreSQL its storage.
const MessagingSystem = "asynqpg"

// Values of the messaging.operation.name attribute.
const (
	// OperationEnqueue names the operation of an asynqpg.enqueue span.
	OperationEnqueue = "enqueue"
	// OperationEnqueueMany names the operation of an asynqpg.enqueue_many
	// span.
	OperationEnqueueMany = "enqueue_many"
	// OperationProcess names the operation of an asynqpg.process span.
	OperationProcess = "process"
)

// Span attribute keys of asynqpg's own, beside the root package's
// task_type, status and error_type and the OpenTelemetry messaging
// semantic conventions.
var (
	// AttrTaskID carries a task's ID (an int64) on spans; it is never a
	// metric attribute.
	AttrTaskID = attribute.Key("task_id")
	// AttrTaskAttempt carries the number of the attempt a process span
	// runs, counted from 1.
	AttrTaskAttempt = attribute.Key("asynqpg.task.attempt")
)

// Semantic-convention attributes shared by the spans.
var (
	attrSystem      = semconv.MessagingSystemKey.String(MessagingSystem)
	attrOpSend      = semconv.MessagingOperationTypeSend
	attrOpProcess   = semconv.MessagingOperationTypeProcess
	keyDestination  = semconv.MessagingDestinationNameKey
	keyMessageID    = semconv.MessagingMessageIDKey
	keyOperation    = semconv.MessagingOperationNameKey
	keyBatchCount   = semconv.MessagingBatchMessageCountKey
	keySemconvError = semconv.ErrorTypeKey
)
