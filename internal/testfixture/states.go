package testfixture

import "github.com/yakser/asynqpg"

// StateCase is a row of the state tables of cancel, retry and delete: the
// change Op ("cancel", "retry" or "delete") of a task in Status ("" for a
// task that does not exist), and the refusal it meets, if any.
type StateCase struct {
	Op     string
	Status asynqpg.TaskStatus
	// Refusal is the error the change returns; "" when it applies.
	Refusal Refusal
}

// Refusal names the error a change of a task returns instead of applying.
type Refusal string

// The refusals of the state tables.
const (
	RefusedNotFound         Refusal = "not found"
	RefusedAlreadyFinalized Refusal = "already finalized"
	RefusedAlreadyAvailable Refusal = "already available"
	RefusedRunning          Refusal = "running"
)

// StateErrors are the errors of the front under test for each refusal.
type StateErrors struct {
	NotFound, AlreadyFinalized, AlreadyAvailable, Running error
}

// StateCases is every row of the state tables.
var StateCases = []StateCase{
	{Op: "cancel", Status: asynqpg.TaskStatusPending},
	{Op: "cancel", Status: asynqpg.TaskStatusFailed},
	{Op: "cancel", Status: asynqpg.TaskStatusRunning},
	{Op: "cancel", Status: asynqpg.TaskStatusCancelled},
	{Op: "cancel", Status: asynqpg.TaskStatusCompleted, Refusal: RefusedAlreadyFinalized},
	{Op: "cancel", Refusal: RefusedNotFound},
	{Op: "retry", Status: asynqpg.TaskStatusFailed},
	{Op: "retry", Status: asynqpg.TaskStatusCancelled},
	{Op: "retry", Status: asynqpg.TaskStatusPending, Refusal: RefusedAlreadyAvailable},
	{Op: "retry", Status: asynqpg.TaskStatusRunning, Refusal: RefusedRunning},
	{Op: "retry", Status: asynqpg.TaskStatusCompleted, Refusal: RefusedAlreadyFinalized},
	{Op: "retry", Refusal: RefusedNotFound},
	{Op: "delete", Status: asynqpg.TaskStatusPending},
	{Op: "delete", Status: asynqpg.TaskStatusFailed},
	{Op: "delete", Status: asynqpg.TaskStatusCancelled},
	{Op: "delete", Status: asynqpg.TaskStatusCompleted},
	{Op: "delete", Status: asynqpg.TaskStatusRunning, Refusal: RefusedRunning},
	{Op: "delete", Refusal: RefusedNotFound},
}

// Name is the case's subtest name: "op/status", or "op/not found".
func (c StateCase) Name() string {
	if c.Status == "" {
		return c.Op + "/not found"
	}
	return c.Op + "/" + string(c.Status)
}

// WantErr is the error of errs the change returns; nil when it applies.
func (c StateCase) WantErr(errs StateErrors) error {
	switch c.Refusal {
	case RefusedNotFound:
		return errs.NotFound
	case RefusedAlreadyFinalized:
		return errs.AlreadyFinalized
	case RefusedAlreadyAvailable:
		return errs.AlreadyAvailable
	case RefusedRunning:
		return errs.Running
	}
	return nil
}

// Want is the status a change that applies leaves the task in: cancelled
// after a cancel, pending after a retry, "" (gone) after a delete.
func (c StateCase) Want() asynqpg.TaskStatus {
	switch c.Op {
	case "cancel":
		return asynqpg.TaskStatusCancelled
	case "retry":
		return asynqpg.TaskStatusPending
	}
	return ""
}
