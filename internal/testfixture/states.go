package testfixture

import "testing"

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

// StateCases is every row of the state tables: each change of a task in
// each status, and of a task that does not exist.
var StateCases = stateCases()

// refusals are the state tables: the refusal of each change for a task in
// each status. A change applies to a status not listed.
var refusals = map[string]map[asynqpg.TaskStatus]Refusal{
	"cancel": {asynqpg.TaskStatusCompleted: RefusedAlreadyFinalized},
	"retry": {
		asynqpg.TaskStatusPending:   RefusedAlreadyAvailable,
		asynqpg.TaskStatusRunning:   RefusedRunning,
		asynqpg.TaskStatusCompleted: RefusedAlreadyFinalized,
	},
	"delete": {asynqpg.TaskStatusRunning: RefusedRunning},
}

func stateCases() []StateCase {
	var out []StateCase
	for _, op := range []string{"cancel", "retry", "delete"} {
		for _, status := range []asynqpg.TaskStatus{asynqpg.TaskStatusPending, asynqpg.TaskStatusFailed,
			asynqpg.TaskStatusRunning, asynqpg.TaskStatusCancelled, asynqpg.TaskStatusCompleted} {
			out = append(out, StateCase{Op: op, Status: status, Refusal: refusals[op][status]})
		}
		out = append(out, StateCase{Op: op, Refusal: RefusedNotFound})
	}
	return out
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
	return map[Refusal]error{
		RefusedNotFound:         errs.NotFound,
		RefusedAlreadyFinalized: errs.AlreadyFinalized,
		RefusedAlreadyAvailable: errs.AlreadyAvailable,
		RefusedRunning:          errs.Running,
	}[c.Refusal]
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

// MissingID is a task ID the sequences of the test databases never
// allocate: the ID of a task that does not exist.
const MissingID = int64(1) << 40

// RunStateCases runs every row of StateCases as a parallel subtest of t,
// named by the row: task makes a task in the row's status, and check runs
// the row's change on its ID, or on MissingID for the rows of a task that
// does not exist.
func RunStateCases(t *testing.T, task func(t *testing.T, status asynqpg.TaskStatus) int64,
	check func(t *testing.T, c StateCase, id int64)) {
	t.Helper()
	for _, c := range StateCases {
		t.Run(c.Name(), func(t *testing.T) {
			t.Parallel()
			id := MissingID
			if c.Status != "" {
				id = task(t, c.Status)
			}
			check(t, c, id)
		})
	}
}
